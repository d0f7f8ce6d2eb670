/**
 * Vendor adapters: where market data, news, fundamentals, analytics and insider data come from.
 * The base class owns the name, the data types a vendor serves and the error vocabulary; each
 * subclass does only its I/O. Poll vendors answer `fetch(dataType, symbol)`; push vendors stream
 * continuously into a sink once started.
 */
import type { Tick } from "../protocol/tick.ts";

export const DATA_TYPES = ["market_data", "news", "fundamentals", "analytics", "insider_data"] as const;
export type DataType = (typeof DATA_TYPES)[number];

export function isDataType(s: string): s is DataType {
	return (DATA_TYPES as readonly string[]).includes(s);
}

export type UpdateType = "snapshot" | "trade" | "quote" | "bar" | "news";

/** One thing a vendor produced, before it becomes a StreamMessage. */
export interface VendorItem {
	data_type: DataType;
	symbol: string;
	update_type: UpdateType;
	/** Epoch ms of the data (vendor time), not of its arrival. */
	timestamp: number;
	data: Record<string, unknown>;
	/** Market data that is a trade: the tick for the symbol's actor (validated again on ingest). */
	tick?: Tick;
}

export type VendorErrorKind = "timeout" | "rate-limited" | "server" | "client" | "malformed" | "network" | "auth";

/** A vendor call failed; `retryable` says whether trying again (later) can help. */
export class VendorError extends Error {
	constructor(
		readonly vendor: string,
		readonly kind: VendorErrorKind,
		message: string,
		readonly extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
	) {
		super(`${vendor}: ${message}`, { cause: extra.cause });
		this.name = "VendorError";
	}

	get retryable(): boolean {
		return this.kind !== "client" && this.kind !== "auth";
	}

	get retryAfterMs(): number | undefined {
		return this.extra.retryAfterMs;
	}
}

export abstract class VendorAdapter {
	abstract readonly mode: "poll" | "push";
	/** The vendor type (`synthetic`, `http-poll`, …). */
	abstract readonly type: string;
	abstract readonly dataTypes: readonly DataType[];

	/** `name` is how config and telemetry refer to it; several instances of one type may differ. */
	constructor(readonly name: string) {}

	serves(dataType: DataType): boolean {
		return this.dataTypes.includes(dataType);
	}

	protected fail(kind: VendorErrorKind, message: string, extra?: VendorError["extra"]): VendorError {
		return new VendorError(this.name, kind, message, extra);
	}
}

export abstract class PollVendor extends VendorAdapter {
	readonly mode = "poll" as const;
	/** Items for one symbol; aborts I/O when `signal` fires. Throws VendorError. */
	abstract fetch(dataType: DataType, symbol: string, signal: AbortSignal): Promise<VendorItem[]>;
}

/** A push vendor's connection, as a union on `state`. */
export type PushState =
	| { state: "idle" }
	| { state: "connecting"; attempt: number }
	| { state: "streaming"; since: number }
	| { state: "backoff"; attempt: number; retryAt: number; lastError: string }
	| { state: "failed"; lastError: string }
	| { state: "stopped" };

export interface PushSink {
	/**
	 * The items are the sink's from this call on (their data gets the volatility fields in place):
	 * make new ones for each call and leave them be. A promise makes a producer that can wait
	 * (replay) wait; a live stream cannot and does not.
	 */
	items(items: VendorItem[]): void | Promise<void>;
	state(state: PushState): void;
	/** Items one call should hold at most (what the buffer takes without dropping); a producer that can wait sends no more. */
	readonly maxItems?: number;
}

export abstract class PushVendor extends VendorAdapter {
	readonly mode = "push" as const;
	abstract start(symbols: string[], sink: PushSink): void;
	abstract stop(): Promise<void>;
}
