import type { Bus, BusHandler } from "./bus.ts";
import type { Hops } from "../metrics/stages.ts";

/**
 * In-process bus, delivered synchronously in publish order. Subjects match exactly, or with `*`
 * standing for one whole token (NATS semantics: `rookery.ticks.*`) or a last `>` for one or more
 * tokens (`rookery.windows.1m.>`), so wildcard topics work in embedded mode as they do over NATS.
 */
function matches(pattern: string[], tokens: string[]): boolean {
	const tail = pattern.at(-1) === ">";
	if (tail ? tokens.length < pattern.length : tokens.length !== pattern.length) return false;
	const n = tail ? pattern.length - 1 : pattern.length;
	for (let i = 0; i < n; i++) if (pattern[i] !== "*" && pattern[i] !== tokens[i]) return false;
	return true;
}

/** Subjects whose receivers are remembered; past this the memory is cleared and rebuilt as used. */
const ROUTES_MAX = 10_000;

export class LocalBus implements Bus {
	readonly kind = "local" as const;
	#subs = new Map<string, Set<BusHandler>>();
	/** Subscriptions with a `*` token: few (one per wildcard topic), checked on every publish. */
	#patterns = new Map<string, { tokens: string[]; handlers: Set<BusHandler> }>();
	/**
	 * Per subject, the handler sets it reaches (exact first, then patterns in subscription order),
	 * so a publish does not split and match the subject again. The sets are the live ones (a handler
	 * added or removed shows at once); forgotten whenever a set is created or removed.
	 */
	#routes = new Map<string, Array<Set<BusHandler>>>();

	publish(subject: string, msg: object, hops?: Hops): void {
		let route = this.#routes.get(subject);
		if (route === undefined) {
			route = this.#route(subject);
			if (this.#routes.size >= ROUTES_MAX) this.#routes.clear();
			this.#routes.set(subject, route);
		}
		for (let i = 0; i < route.length; i++) for (const h of route[i]) h(msg, subject, hops);
	}

	#route(subject: string): Array<Set<BusHandler>> {
		const route: Array<Set<BusHandler>> = [];
		const set = this.#subs.get(subject);
		if (set) route.push(set);
		if (this.#patterns.size === 0) return route;
		const tokens = subject.split(".");
		for (const p of this.#patterns.values()) if (matches(p.tokens, tokens)) route.push(p.handlers);
		return route;
	}

	subscribe(subject: string, handler: BusHandler): () => void {
		const tokens = subject.split(".");
		if (tokens.includes("*") || tokens.at(-1) === ">") {
			let p = this.#patterns.get(subject);
			if (!p) {
				this.#patterns.set(subject, (p = { tokens, handlers: new Set() }));
				this.#routes.clear();
			}
			p.handlers.add(handler);
			return () => {
				p.handlers.delete(handler);
				if (p.handlers.size === 0 && this.#patterns.get(subject) === p) {
					this.#patterns.delete(subject);
					this.#routes.clear();
				}
			};
		}
		let set = this.#subs.get(subject);
		if (!set) {
			this.#subs.set(subject, (set = new Set()));
			this.#routes.clear();
		}
		set.add(handler);
		return () => {
			set.delete(handler);
			if (set.size === 0 && this.#subs.get(subject) === set) {
				this.#subs.delete(subject);
				this.#routes.clear();
			}
		};
	}

	async flush(): Promise<void> {}
	async close(): Promise<void> {
		this.#subs.clear();
		this.#patterns.clear();
		this.#routes.clear();
	}
}
