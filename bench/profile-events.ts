/**
 * The embedded events endpoint alone, for a profiler: an embedded node (memory store, no feed) in
 * this process, POSTed pre-built batches of 5,000 `performance_metric` events one after another by
 * a client in the same process (its share of the CPU is the send and the answer's read only).
 * Prints accepted events/s and the process CPU time per accepted event, a figure that moves much
 * less than throughput on a loaded machine. Profile with
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-events.ts [batches]
 */
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";

const BATCH = 5000;
const batches = Number(process.argv[2] ?? 40);
const config = mergeConfig(defaultConfig(), { nodeId: "bench-profile-events", port: 0, host: "127.0.0.1", logLevel: "error", feed: { type: "none" }, services: ["gateway", "monitor", "ingest", "symbols", "events", "analytics"] });
const node = await createNode(config);
await node.start();
const url = `http://127.0.0.1:${node.port()}/api/v1/events`;
const ts = Date.now() - 30_000;
const bodies = Array.from({ length: 8 }, (_, k) =>
	JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ type: "performance_metric", entity: `svc${i % 10}`, ts: ts + k, data: { metric_name: `lat.svc${i % 10}`, value: ((k * BATCH + i) * 7919) % 1000 } }))),
);
async function post(body: string): Promise<void> {
	const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
	if (r.status !== 201) throw new Error(`POST → ${r.status}: ${(await r.text()).slice(0, 300)}`);
	await r.arrayBuffer();
}
for (let k = 0; k < 4; k++) await post(bodies[k % bodies.length]);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let k = 0; k < batches; k++) await post(bodies[k % bodies.length]);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const events = batches * BATCH;
process.stdout.write(JSON.stringify({ eventsPerSec: Math.round(events / seconds), events, cpuUsPerEvent: Math.round(((cpu.user + cpu.system) / events) * 1000) / 1000 }) + "\n");
await node.stop();
process.exit(0);
