/**
 * The embedded batch endpoint alone, for a profiler: an embedded node (memory store, no feed) in
 * this process, loaded by bench/post-load.ts in another, so a profile or the CPU count holds only
 * the server. Prints accepted ticks/s and the server's CPU time per accepted tick, a figure that
 * moves much less than throughput on a loaded machine. Profile with
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-ingest.ts [seconds]
 * LATENCY_STAGES=1 runs the node with latency stamps (lib/metrics/stages.ts, off by default), to compare.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";

const seconds = process.argv[2] ?? "8";
const config = mergeConfig(defaultConfig(), { nodeId: "bench-profile", port: 0, host: "127.0.0.1", logLevel: "warn", feed: { type: "none" }, symbols: [], latencyStages: process.env.LATENCY_STAGES === "1" });
const node = await createNode(config);
await node.start();
const cpu0 = process.cpuUsage();
const ru0 = process.resourceUsage();
const elu0 = performance.eventLoopUtilization();
const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "post-load.ts"), String(node.port()), seconds], { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
child.stdout.on("data", (d: Buffer) => (out += d.toString()));
await new Promise(resolve => child.on("exit", resolve));
const cpu = process.cpuUsage(cpu0);
const ru = process.resourceUsage();
const elu = performance.eventLoopUtilization(elu0);
const load = JSON.parse(out) as { ticksPerSec: number; posts: number; ticks: number };
process.stdout.write(
	JSON.stringify({
		latencyStages: config.latencyStages,
		...load,
		serverCpuUsPerTick: Math.round(((cpu.user + cpu.system) / load.ticks) * 1000) / 1000,
		mainThreadUsPerTick: Math.round(((elu.active * 1000) / load.ticks) * 1000) / 1000,
		systemUsPerTick: Math.round(((ru.systemCPUTime - ru0.systemCPUTime) / load.ticks) * 1000) / 1000,
		pageFaultsPerPost: Math.round((ru.minorPageFault - ru0.minorPageFault) / load.posts),
	}) + "\n",
);
await node.stop();
process.exit(0);
