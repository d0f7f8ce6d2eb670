import type { Bus, BusHandler } from "./bus.ts";

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

export class LocalBus implements Bus {
	readonly kind = "local" as const;
	#subs = new Map<string, Set<BusHandler>>();
	/** Subscriptions with a `*` token: few (one per wildcard topic), checked on every publish. */
	#patterns = new Map<string, { tokens: string[]; handlers: Set<BusHandler> }>();

	publish(subject: string, msg: object): void {
		const set = this.#subs.get(subject);
		if (set) for (const h of set) h(msg, subject);
		if (this.#patterns.size === 0) return;
		const tokens = subject.split(".");
		for (const p of this.#patterns.values()) {
			if (matches(p.tokens, tokens)) for (const h of p.handlers) h(msg, subject);
		}
	}

	subscribe(subject: string, handler: BusHandler): () => void {
		const tokens = subject.split(".");
		if (tokens.includes("*") || tokens.at(-1) === ">") {
			let p = this.#patterns.get(subject);
			if (!p) this.#patterns.set(subject, (p = { tokens, handlers: new Set() }));
			p.handlers.add(handler);
			return () => {
				p.handlers.delete(handler);
				if (p.handlers.size === 0) this.#patterns.delete(subject);
			};
		}
		let set = this.#subs.get(subject);
		if (!set) this.#subs.set(subject, (set = new Set()));
		set.add(handler);
		return () => {
			set.delete(handler);
			if (set.size === 0) this.#subs.delete(subject);
		};
	}

	async flush(): Promise<void> {}
	async close(): Promise<void> {
		this.#subs.clear();
		this.#patterns.clear();
	}
}
