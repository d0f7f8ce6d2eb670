/** A feed's state as operators see it (REPL `feeds`), a union on `state`. */
export type FeedState = { state: "running"; since: number } | { state: "failing"; since: number; lastError: string } | { state: "stopped"; since: number };

export interface FeedStatus {
	name: string;
	type: "synthetic";
	symbols: number;
	ticksPerSecond: number;
	produced: number;
	accepted: number;
	errors: number;
	/** Timer fires skipped because the previous batch was still in flight (policy: skip newest). */
	skipped: number;
	lastTickAt: number | null;
	/** The warm start's past ticks (written before the first live one) and how long they took. */
	history: { symbols: number; ticks: number; ms: number } | null;
	status: FeedState;
}
