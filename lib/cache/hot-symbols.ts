/**
 * How often each symbol was asked for, to warm the cache with the most requested ones when a node
 * starts. Counted in memory (bounded: the least counted half is dropped when full); each node
 * saves its top list under its own field in the KV, and warming sums the lists of every node.
 */
export class HotSymbols {
	readonly #counts = new Map<string, number>();

	constructor(readonly maxTracked = 10_000) {}

	record(symbols: readonly string[]): void {
		for (const s of symbols) this.#counts.set(s, (this.#counts.get(s) ?? 0) + 1);
		if (this.#counts.size > this.maxTracked) {
			const keep = this.top(Math.floor(this.maxTracked / 2));
			this.#counts.clear();
			for (const [s, n] of keep) this.#counts.set(s, n);
		}
	}

	/** The `n` most requested symbols with their counts, most first (ties by name). */
	top(n: number): Array<[string, number]> {
		return [...this.#counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
	}
}

/** The `n` most requested symbols over several nodes' saved top lists. */
export function hottest(lists: Array<Array<[string, number]>>, n: number): string[] {
	const sum = new Map<string, number>();
	for (const list of lists) for (const [s, c] of Array.isArray(list) ? list : []) if (typeof s === "string" && Number.isFinite(c)) sum.set(s, (sum.get(s) ?? 0) + c);
	return [...sum]
		.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
		.slice(0, n)
		.map(([s]) => s);
}
