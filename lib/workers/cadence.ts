/** A data type's schedule and retry policy, as the predecessor's config API named the fields. */
import type { DataType } from "../vendors/vendor.ts";

export interface Cadence {
	data_type: DataType;
	interval_seconds: number;
	enabled: boolean;
	/** Tries per symbol and run (the first one included), each down the whole vendor chain. */
	retry_attempts: number;
	retry_backoff_multiplier: number;
	/** Try the next vendor of `vendors` when one fails; false = the first vendor only. */
	vendor_fallback: boolean;
	/** The vendor chain, first choice first. */
	vendors: string[];
}

export const DEFAULT_INTERVALS: Record<DataType, number> = { market_data: 60, news: 300, fundamentals: 3600, analytics: 600, insider_data: 1800 };

export const workerId = (dataType: DataType) => `worker_${dataType}`;
