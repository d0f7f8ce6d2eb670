/**
 * Replays history as a live stream: CSV bars (`time,open,high,low,close,volume`, the layout of
 * lib/indicators/csv.ts) or NDJSON (one tick `{ts,price,size[,symbol]}` or bar `{time,open,…}` per
 * line) at ×`speed` (Infinity = as fast as the sink takes them), optionally looping. A bar becomes
 * four ticks in its bar (open with the volume, high, low, close), so the bars built from the replay
 * have the file's open, high, low, close and volume.
 */
import { parseHeader, parseRow } from "../indicators/csv.ts";
import { nextTurn } from "../scheduling/turns.ts";
import type { Tick } from "../protocol/tick.ts";
import { barTicks, isValidBar, type HistoryBar } from "./history.ts";
import { PushVendor, type DataType, type PushSink, type VendorItem } from "./vendor.ts";

export interface ReplayRow {
	symbol: string;
	ts: number;
	ticks: Tick[];
}

export interface ReplayOptions {
	/** File contents; `format` from the file name if not given. */
	text: string;
	format: "csv" | "ndjson";
	/** The symbol of rows that do not name one. */
	symbol: string;
	speed: number;
	loop?: boolean;
	/** Ticks handed to the sink per step at most. */
	batch?: number;
	now?: () => number;
	setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

/** The file as rows of ticks, oldest first; throws saying which line is bad. */
export function loadReplay(text: string, format: "csv" | "ndjson", symbol: string): ReplayRow[] {
	const lines = text.split(/\r?\n/).filter(l => l.trim() !== "");
	const rows: ReplayRow[] = [];
	const fromBar = (sym: string, b: HistoryBar, line: number): ReplayRow => {
		if (!isValidBar(b)) throw new Error(`line ${line}: not a valid bar`);
		return { symbol: sym, ts: b.time, ticks: barTicks(sym, b, "replay") };
	};
	if (format === "csv") {
		const layout = parseHeader(lines[0] ?? "");
		if (typeof layout === "string") throw new Error(`line 1: ${layout}`);
		const width = lines[0].split(",").length;
		for (let i = 1; i < lines.length; i++) {
			const bar = parseRow(lines[i].split(","), layout, width);
			if (typeof bar === "string") throw new Error(`line ${i + 1}: ${bar}`);
			rows.push(fromBar(symbol, bar, i + 1));
		}
	} else {
		lines.forEach((line, i) => {
			let o: Record<string, unknown>;
			try {
				o = JSON.parse(line);
			} catch {
				throw new Error(`line ${i + 1}: not JSON`);
			}
			const sym = typeof o.symbol === "string" ? o.symbol : symbol;
			if (typeof o.open === "number") rows.push(fromBar(sym, o as never, i + 1));
			else if (typeof o.price === "number" && typeof o.ts === "number") {
				const t: Tick = { symbol: sym, ts: o.ts, price: o.price, size: typeof o.size === "number" ? o.size : 0, id: typeof o.id === "string" ? o.id : `replay:${o.ts}:${i}` };
				rows.push({ symbol: sym, ts: t.ts, ticks: [t] });
			} else throw new Error(`line ${i + 1}: neither a tick {ts,price} nor a bar {time,open,high,low,close,volume}`);
		});
	}
	for (let i = 1; i < rows.length; i++) if (rows[i].ts < rows[i - 1].ts) throw new Error(`row ${i + 1}: time goes backwards`);
	return rows;
}

export class ReplayVendor extends PushVendor {
	readonly type = "replay";
	readonly dataTypes = ["market_data"] as const satisfies readonly DataType[];
	readonly rows: ReplayRow[];
	#timer: { cancel(): void } | null = null;
	#stopped = true;
	#done: Promise<void> = Promise.resolve();
	#resolveDone: () => void = () => {};
	/** Rows emitted so far, over every pass. */
	emitted = 0;

	constructor(
		name: string,
		readonly opts: ReplayOptions,
	) {
		super(name);
		this.rows = loadReplay(opts.text, opts.format, opts.symbol);
	}

	start(symbols: string[], sink: PushSink): void {
		const wanted = new Set(symbols);
		const rows = this.rows.filter(r => wanted.has(r.symbol));
		const now = this.opts.now ?? Date.now;
		const setTimer =
			this.opts.setTimer ??
			((fn, ms) => {
				const t = setTimeout(fn, ms);
				return { cancel: () => clearTimeout(t) };
			});
		// As many as the buffer writes in one flush (and the largest REST batch): a smaller step made
		// flushes as small, with a submit and an append per symbol each (5,000: ~35 % more msgs/s).
		// Never more than the sink takes at once, or drop-oldest would cut the step.
		const batch = Math.min(this.opts.batch ?? 5000, sink.maxItems ?? Infinity);
		const speed = this.opts.speed;
		this.#stopped = false;
		if (rows.length === 0) {
			sink.state({ state: "failed", lastError: `the replay file has no rows for ${symbols.join(",") || "any symbol"}` });
			return;
		}
		const span = rows[rows.length - 1].ts - rows[0].ts;
		const step = rows.length > 1 ? span / (rows.length - 1) : 1;
		let i = 0;
		let pass = 0;
		let startWall = now();
		sink.state({ state: "streaming", since: startWall });
		this.#done = new Promise(r => (this.#resolveDone = r));
		const run = async () => {
			this.#timer = null;
			while (!this.#stopped) {
				const items: VendorItem[] = [];
				// Later passes continue in time (shifted by whole spans), so bars keep moving forward.
				const shift = pass * Math.ceil(span + step);
				while (i < rows.length && items.length < batch) {
					const r = rows[i];
					const due = startWall + (r.ts - rows[0].ts) / speed;
					if (due > now()) break;
					for (const t of r.ticks) {
						const tick = shift ? { ...t, ts: t.ts + shift, id: `${t.id}:${pass}` } : t;
						items.push({ data_type: "market_data", symbol: r.symbol, update_type: "trade", timestamp: tick.ts, data: { price: tick.price, size: tick.size }, tick });
					}
					i++;
					this.emitted++;
				}
				// A macrotask between steps: a sink that does not wait (`items` returns nothing) would
				// otherwise let a fast replay hold the event loop for the whole file.
				if (items.length > 0) await (sink.items(items) ?? nextTurn());
				if (i >= rows.length) {
					if (!this.opts.loop) {
						this.#stopped = true;
						sink.state({ state: "stopped" });
						break;
					}
					pass++;
					i = 0;
					startWall = now();
					continue;
				}
				if (items.length === 0) {
					const wait = Math.max(0, startWall + (rows[i].ts - rows[0].ts) / speed - now());
					this.#timer = setTimer(() => void run(), wait);
					return;
				}
			}
			this.#resolveDone();
		};
		void run();
	}

	/** Resolves when a non-looping replay has emitted every row (or was stopped). */
	finished(): Promise<void> {
		return this.#done;
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		this.#timer?.cancel();
		this.#timer = null;
		this.#resolveDone();
	}
}
