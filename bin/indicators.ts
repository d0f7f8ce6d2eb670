/**
 * Batch indicators over a history file, for backfills and for checking us against other tools:
 *   npm run --silent indicators -- <file.csv|-> [--indicators sma:20,ema:20,...]
 * CSV in (time,open,high,low,close,volume[,session]), CSV out on stdout: time then one column per
 * output, empty during warm-up. Exit 1 on a bad data row (stderr names the line and the reason),
 * 2 on bad usage, header or spec.
 */
import { createReadStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { formatValue, parseHeader, parseRow, type CsvLayout } from "../lib/indicators/csv.ts";
import { IndicatorSet, IndicatorSpecError, parseSpecs } from "../lib/indicators/index.ts";

const DEFAULT_SPECS = "sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2,atr:14,stoch:14:3:3,vwap,obv,adx:14";
const USAGE = "usage: indicators <file.csv|-> [--indicators sma:20,ema:20,rsi:14,macd:12:26:9,...]";

/** Reports and sets the exit code without process.exit, so stdout already written still drains. */
function report(code: number, message: string): void {
	process.stderr.write(`indicators: ${message}\n`);
	process.exitCode = code;
}

function fail(code: number, message: string): never {
	report(code, message);
	process.exit(code);
}

function options(): { file: string; set: IndicatorSet } {
	let parsed;
	try {
		parsed = parseArgs({ allowPositionals: true, options: { indicators: { type: "string", short: "i" }, help: { type: "boolean", short: "h" } } });
	} catch (err) {
		fail(2, `${(err as Error).message}\n${USAGE}`);
	}
	if (parsed.values.help) {
		process.stdout.write(`${USAGE}\n`);
		process.exit(0);
	}
	if (parsed.positionals.length !== 1) fail(2, USAGE);
	try {
		return { file: parsed.positionals[0], set: new IndicatorSet(parseSpecs(parsed.values.indicators ?? DEFAULT_SPECS)) };
	} catch (err) {
		if (err instanceof IndicatorSpecError || err instanceof TypeError) fail(2, err.message);
		throw err;
	}
}

async function main(): Promise<void> {
	const { file, set } = options();
	const input = file === "-" ? process.stdin : createReadStream(file);
	input.on("error", (err: Error) => fail(2, `${file}: ${err.message}`));
	const out: string[] = [];
	const flush = async () => {
		if (out.length === 0) return;
		const ok = process.stdout.write(out.join(""));
		out.length = 0;
		if (!ok) await once(process.stdout, "drain");
	};
	let layout: CsvLayout | null = null;
	let width = 0;
	let lineNo = 0;
	for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
		lineNo++;
		const line = raw.trim();
		if (line === "") continue;
		if (layout === null) {
			const header = parseHeader(line);
			if (typeof header === "string") return report(2, `${file}:${lineNo}: ${header}`);
			layout = header;
			width = line.split(",").length;
			out.push(["time", ...set.columns].join(","), "\n");
			continue;
		}
		const fields = line.split(",");
		const bar = parseRow(fields, layout, width);
		const reason = typeof bar === "string" ? bar : set.update(bar);
		if (reason !== null) {
			await flush();
			return report(1, `${file}:${lineNo}: ${reason}`);
		}
		let row = fields[layout.time].trim();
		for (let i = 0; i < set.values.length; i++) row += "," + formatValue(set.values[i]);
		out.push(row, "\n");
		if (out.length >= 2048) await flush();
	}
	await flush();
	if (layout === null) report(2, `${file}: empty file, expected a header line`);
}

await main();
