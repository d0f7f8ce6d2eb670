/**
 * Sharing the event loop. A long synchronous loop (checking a 5,000-tick batch, renewing 10,000
 * leases, dispatching a batch's symbols) holds every other callback — I/O, health probes, lease
 * renewals — until it ends; these helpers split it into event-loop turns.
 */

/** Resolves in the next event-loop turn, after the I/O callbacks waiting now (`setImmediate`). */
export function nextTurn(): Promise<void> {
	return new Promise<void>(resolve => setImmediate(resolve));
}

/**
 * Runs `job` every `ms` (an unref'd interval, cleared by the caller), one run at a time: a tick that
 * finds the last run still going is skipped, not stacked.
 */
export function singleFlightInterval(ms: number, job: () => Promise<unknown>): NodeJS.Timeout {
	let running = false;
	return setInterval(() => {
		if (running) return;
		running = true;
		void job().finally(() => (running = false));
	}, ms).unref();
}

export interface TurnBudget {
	/** Milliseconds of one turn the loop may use before it lets the event loop run. */
	budgetMs: number;
	/** Look at the clock every `every` items (a power of two): reading it costs more than a cheap item. */
	every?: number;
}

/**
 * Calls `fn(0)` … `fn(n − 1)` in order; after every `every` items, when `budgetMs` of the current
 * turn is spent, waits for the next turn first. With no time spent it is a plain loop.
 */
export async function eachInTurns(n: number, fn: (i: number) => void, { budgetMs, every = 64 }: TurnBudget): Promise<void> {
	const mask = every - 1;
	let start = performance.now();
	for (let i = 0; i < n; i++) {
		if ((i & mask) === 0 && i > 0 && performance.now() - start > budgetMs) {
			await nextTurn();
			start = performance.now();
		}
		fn(i);
	}
}
