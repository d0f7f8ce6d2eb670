/**
 * What Moleculer's own CircuitBreaker (on for every call, moleculer.config.ts) and an agent's
 * Bulkhead cost per call (`npm run bench:resilience`): a local `broker.call` to a trivial action
 * with the production broker options, against the same options with the breaker off, in the same
 * run (the ratio is the number; absolute ns depend on the machine and its load).
 * Results: a table on stdout and JSON in bench/results/resilience.json.
 */
import os from "node:os";
import path from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { ServiceBroker } from "moleculer";
import { brokerOptions } from "../moleculer.config.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = path.join(ROOT, "bench", "results", "resilience.json");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

async function brokerWith(breaker: boolean): Promise<ServiceBroker> {
	const options = brokerOptions(mergeConfig(defaultConfig(), { nodeId: `bench-${breaker ? "on" : "off"}`, logLevel: "fatal" }));
	const broker = new ServiceBroker({ ...options, circuitBreaker: { ...options.circuitBreaker, enabled: breaker } });
	broker.createService({
		name: "bench",
		actions: {
			plain: { handler: () => 1 },
			// As an agent's run action has it (mixins/agent.mixin.ts), never full here.
			bulkhead: { bulkhead: { enabled: true, concurrency: 16, maxQueueSize: 32 }, handler: () => 1 },
		},
	});
	await broker.start();
	return broker;
}

const off = await brokerWith(false);
const on = await brokerWith(true);
const bench = new Bench({ time: SECONDS * 1000, warmupTime: 300 });
bench.add("baseline: call, breaker off", () => off.call("bench.plain"));
bench.add("call, breaker on (production)", () => on.call("bench.plain"));
bench.add("call, breaker on + bulkhead", () => on.call("bench.bulkhead"));
await bench.run();
await off.stop();
await on.stop();

const mean = (i: number) => bench.tasks[i].result!.latency.mean * 1e6;
const rows = bench.tasks.map((t, i) => ({ case: t.name, "ns/call": Math.round(mean(i)), "vs baseline": Number((mean(i) / mean(0)).toFixed(2)), samples: t.result!.latency.samples.length }));
console.table(rows);
mkdirSync(path.dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg(), rows }, null, 2));
console.log(`written ${path.relative(ROOT, RESULTS)}`);
