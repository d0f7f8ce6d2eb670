import type { SessionBar } from "./vwap.ts";

/** Where each required column sits in a row, from the header line; `session` is −1 when the file has none. */
export type CsvLayout = Record<(typeof REQUIRED)[number] | "session", number>;

const REQUIRED = ["time", "open", "high", "low", "close", "volume"] as const;

/** Reads the header; returns the layout or why the header is unusable. */
export function parseHeader(line: string): CsvLayout | string {
	const names = line.split(",").map(n => n.trim().toLowerCase());
	const missing = REQUIRED.filter(n => !names.includes(n));
	if (missing.length > 0) return `header lacks column(s) ${missing.join(", ")} (need ${REQUIRED.join(",")}[,session])`;
	const at = (n: string) => names.indexOf(n);
	return { time: at("time"), open: at("open"), high: at("high"), low: at("low"), close: at("close"), volume: at("volume"), session: at("session") };
}

/**
 * One data row into a bar, or the reason it cannot be one. `time` may be epoch milliseconds or
 * any date string Date.parse accepts; the caller echoes the original text in its output.
 */
export function parseRow(fields: readonly string[], layout: CsvLayout, width: number): SessionBar | string {
	if (fields.length !== width) return `expected ${width} fields, found ${fields.length}`;
	const time = parseTime(fields[layout.time]);
	if (Number.isNaN(time)) return `time "${fields[layout.time]}" is neither epoch milliseconds nor a date`;
	const bar: SessionBar = { time, open: 0, high: 0, low: 0, close: 0, volume: 0 };
	for (const key of ["open", "high", "low", "close", "volume"] as const) {
		const text = fields[layout[key]].trim();
		const v = Number(text);
		if (text === "" || Number.isNaN(v)) return `${key} "${text}" is not a number`;
		bar[key] = v;
	}
	if (layout.session >= 0) bar.session = fields[layout.session].trim();
	return bar;
}

function parseTime(text: string): number {
	const t = text.trim();
	if (t === "") return NaN;
	const n = Number(t);
	return Number.isNaN(n) ? Date.parse(t) : n;
}

/** Shortest round-trip text (what String(number) gives), empty during warm-up. */
export function formatValue(v: number): string {
	return Number.isNaN(v) ? "" : String(v);
}
