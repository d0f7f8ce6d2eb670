/**
 * Counts garbage collections during 1M updates of one indicator or strategy, in a fresh process
 * (the contract's no-allocation check, lib/plugins/contract.ts): in a process that has already run
 * other code through the same classes, V8 may have compiled them into a shape that boxes numbers,
 * so the count would depend on what ran before. Prints `{"gcs": n, "signals": n}`.
 *   node --import tsx lib/plugins/alloc-probe.ts indicator|strategy <spec> [plug-in module…]
 */
import { createIndicator } from "../indicators/registry.ts";
import { createStrategy } from "../strategies/index.ts";
import { contractBars, gcCount } from "./contract.ts";
import { loadPlugins } from "./loader.ts";

const [kind, spec, ...modules] = process.argv.slice(2);
await loadPlugins(modules);
const UPDATES = 1_000_000;
let signals = 0;
let gcs: number;
if (kind === "indicator") {
	const bars = contractBars(23, 1000);
	const ind = createIndicator(spec);
	for (let i = 0; i < 200_000; i++) ind.update(bars[i % 1000]); // optimised first
	gcs = await gcCount(() => {
		for (let i = 0; i < UPDATES; i++) ind.update(bars[i % 1000]);
	}, 5);
} else {
	// A flat series: warm indicators, nothing fires, so no signal object is made.
	const flat = Array.from({ length: 1000 }, (_, i) => ({ time: i * 60_000, open: 100, high: 100.5, low: 99.5, close: 100, volume: 10 }));
	const s = createStrategy(spec);
	for (let i = 0; i < 200_000; i++) s.update(flat[i % 1000]);
	gcs = await gcCount(() => {
		for (let i = 0; i < UPDATES; i++) if (s.update(flat[i % 1000]) !== null) signals++;
	}, 5);
}
process.stdout.write(JSON.stringify({ gcs, signals }) + "\n");
