import type { Bus, BusHandler } from "./bus.ts";

/** In-process bus: exact subjects only (no wildcards), delivered synchronously in publish order. */
export class LocalBus implements Bus {
	readonly kind = "local" as const;
	#subs = new Map<string, Set<BusHandler>>();

	publish(subject: string, msg: object): void {
		const set = this.#subs.get(subject);
		if (!set) return;
		for (const h of set) h(msg, subject);
	}

	subscribe(subject: string, handler: BusHandler): () => void {
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
	}
}
