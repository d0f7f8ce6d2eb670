/**
 * Instruments and cadences as operators set them at run time, kept in the KV so every node reads
 * the same: hash `config:instruments` (symbol → Instrument), hash `config:cadences` (data type →
 * Cadence), hash `config:workers` (worker id → {enabled}). Until an operator writes, the node's
 * settings are the defaults. Validation names the failing field (422).
 */
import { ValidationError, type FieldError } from "../protocol/errors.ts";
import { symbolRule } from "../protocol/tick.ts";
import { Validator } from "../validation/validator.ts";
import type { KvStore } from "../kv/kv-store.ts";
import { DATA_TYPES, isDataType, type DataType } from "../vendors/vendor.ts";
import type { Cadence } from "./cadence.ts";

export interface Instrument {
	symbol: string;
	data_types: DataType[];
	enabled: boolean;
	custom_config: Record<string, unknown>;
}

export const CONFIG_KEYS = { instruments: "config:instruments", cadences: "config:cadences", workers: "config:workers", seeded: "config:instruments:seeded" } as const;

const v = new Validator({ haltOnFirstError: false, useNewCustomCheckerFunction: true });
const checkInstrument = v.compile({
	$$strict: true,
	symbol: symbolRule(),
	data_types: { type: "array", unique: true, items: { type: "enum", values: [...DATA_TYPES] }, default: [...DATA_TYPES] },
	enabled: { type: "boolean", default: true },
	custom_config: { type: "object", default: {} },
}) as (x: unknown) => true | FieldError[];
const checkCadence = v.compile({
	$$strict: true,
	data_type: { type: "enum", values: [...DATA_TYPES], optional: true },
	interval_seconds: { type: "number", integer: true, min: 1, max: 86_400, convert: false, optional: true },
	enabled: { type: "boolean", optional: true },
	retry_attempts: { type: "number", integer: true, min: 1, max: 10, convert: false, optional: true },
	retry_backoff_multiplier: { type: "number", min: 1, max: 10, convert: false, optional: true },
	vendor_fallback: { type: "boolean", optional: true },
	vendors: { type: "array", min: 1, max: 10, unique: true, items: "string", optional: true },
}) as (x: unknown) => true | FieldError[];

function fail(errors: FieldError[]): never {
	const fields = errors.map(e => ({ field: e.field, message: e.message, type: e.type, actual: e.actual }));
	throw new ValidationError(`${fields[0].field}: ${fields[0].message}`, fields);
}

/** Validate an instrument body; fills defaults (all data types, enabled, {}). */
export function parseInstrument(body: unknown): Instrument {
	if (body === null || typeof body !== "object" || Array.isArray(body)) fail([{ field: "body", message: "an instrument must be a JSON object" }]);
	const copy = structuredClone(body) as Record<string, unknown>;
	const r = checkInstrument(copy);
	if (r !== true) fail(r);
	return copy as unknown as Instrument;
}

/**
 * Validate a cadence update for `dataType` against the current cadence; vendors must be known and
 * serve the data type (`vendorServes`).
 */
export function parseCadence(dataType: string, body: unknown, current: Cadence, vendorServes: (vendor: string, dataType: DataType) => boolean | "unknown"): Cadence {
	if (!isDataType(dataType)) fail([{ field: "data_type", message: `unknown data type '${dataType}' (one of ${DATA_TYPES.join(", ")})`, actual: dataType }]);
	if (body === null || typeof body !== "object" || Array.isArray(body)) fail([{ field: "body", message: "a cadence must be a JSON object" }]);
	const r = checkCadence(body);
	if (r !== true) fail(r);
	const b = body as Partial<Cadence>;
	if (b.data_type !== undefined && b.data_type !== dataType) fail([{ field: "data_type", message: `the body is for ${b.data_type}, the path for ${dataType}`, actual: b.data_type }]);
	for (const [i, name] of (b.vendors ?? []).entries()) {
		const ok = vendorServes(name, dataType);
		if (ok === "unknown") fail([{ field: `vendors[${i}]`, message: `unknown vendor '${name}'`, actual: name }]);
		if (!ok) fail([{ field: `vendors[${i}]`, message: `vendor '${name}' does not serve ${dataType}`, actual: name }]);
	}
	return { ...current, ...b, data_type: dataType };
}

export class IngestConfigRepo {
	/** The instruments as last read, so workers keep polling (into the buffer) while the KV is down. */
	#lastInstruments: Instrument[] | null = null;

	constructor(
		readonly kv: KvStore,
		readonly defaults: { symbols: string[]; cadences: Record<DataType, Cadence> },
	) {}

	/** Every instrument; the node's configured symbols (all data types) until the first write. */
	async instruments(): Promise<Instrument[]> {
		const stored = await this.kv.hgetall<Instrument>(CONFIG_KEYS.instruments);
		if (Object.keys(stored).length === 0 && !(await this.kv.get(CONFIG_KEYS.seeded))) {
			return this.defaults.symbols.map(symbol => ({ symbol, data_types: [...DATA_TYPES], enabled: true, custom_config: {} }));
		}
		return Object.values(stored).sort((a, b) => a.symbol.localeCompare(b.symbol));
	}

	async instrument(symbol: string): Promise<Instrument | null> {
		return (await this.instruments()).find(i => i.symbol === symbol) ?? null;
	}

	/** The defaults become stored instruments on the first write, so edits apply to them. */
	async #seed(): Promise<void> {
		if (await this.kv.get(CONFIG_KEYS.seeded)) return;
		const current = await this.instruments();
		for (const i of current) await this.kv.hset(CONFIG_KEYS.instruments, i.symbol, i);
		await this.kv.set(CONFIG_KEYS.seeded, true);
	}

	async upsertInstrument(i: Instrument): Promise<Instrument> {
		await this.#seed();
		await this.kv.hset(CONFIG_KEYS.instruments, i.symbol, i);
		return i;
	}

	async deleteInstrument(symbol: string): Promise<boolean> {
		await this.#seed();
		return this.kv.hdel(CONFIG_KEYS.instruments, symbol);
	}

	/** Enabled symbols that want `dataType`; the last ones read while the KV is unreachable. */
	async symbolsFor(dataType: DataType): Promise<string[]> {
		let all: Instrument[];
		try {
			all = this.#lastInstruments = await this.instruments();
		} catch (err) {
			if (!this.#lastInstruments) throw err;
			all = this.#lastInstruments;
		}
		return all.filter(i => i.enabled && i.data_types.includes(dataType)).map(i => i.symbol);
	}

	async cadence(dataType: DataType): Promise<Cadence> {
		return { ...this.defaults.cadences[dataType], ...(await this.kv.hget<Partial<Cadence>>(CONFIG_KEYS.cadences, dataType)), data_type: dataType };
	}

	async cadences(): Promise<Cadence[]> {
		return Promise.all(DATA_TYPES.map(dt => this.cadence(dt)));
	}

	async putCadence(c: Cadence): Promise<Cadence> {
		await this.kv.hset(CONFIG_KEYS.cadences, c.data_type, c);
		return c;
	}

	/** Operator's start/stop of a worker, kept so a restarted node honours it. */
	async workerEnabled(id: string): Promise<boolean | null> {
		return (await this.kv.hget<{ enabled: boolean }>(CONFIG_KEYS.workers, id))?.enabled ?? null;
	}

	async setWorkerEnabled(id: string, enabled: boolean): Promise<void> {
		await this.kv.hset(CONFIG_KEYS.workers, id, { enabled });
	}
}
