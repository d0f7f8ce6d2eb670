/**
 * CPU, memory, event-loop delay and disk of this process and machine, for `/health` and
 * `/metrics/performance`. CPU and event-loop delay are rates over a window: `roll()` (called on a
 * timer) closes the current window, and reads return the last closed one (or, before the first
 * roll, everything since start), so a probe polled once a second still sees a 5 s average.
 */
import os from "node:os";
import { statfs } from "node:fs/promises";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface CpuStats {
	/** This process's CPU time over the window, as a share of one core (100 = one core busy). */
	cpu_percent: number;
	/** The whole machine's CPU use over the window, all cores (100 = every core busy). */
	system_cpu_percent: number;
	cores: number;
	load_average: number[];
}

export interface EventLoopStats {
	p50_ms: number;
	p99_ms: number;
	max_ms: number;
	mean_ms: number;
}

export interface MemoryStats {
	rss_bytes: number;
	heap_used_bytes: number;
	heap_total_bytes: number;
	system_total_bytes: number;
	system_available_bytes: number;
	/** Used share of the machine's memory (total − available). */
	memory_percent: number;
}

export interface DiskStats {
	path: string;
	total_bytes: number;
	available_bytes: number;
	disk_percent: number;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const ms = (ns: number) => (Number.isFinite(ns) ? round(ns / 1e6, 3) : 0);

function osCpuTimes(): { busy: number; total: number } {
	let busy = 0;
	let total = 0;
	for (const c of os.cpus()) {
		const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
		total += t;
		busy += t - c.times.idle;
	}
	return { busy, total };
}

interface Window {
	cpu: NodeJS.CpuUsage;
	wallUs: number;
	os: { busy: number; total: number };
}

export class SystemSampler {
	#start: Window;
	#loop: IntervalHistogram;
	#last: { cpu: CpuStats; loop: EventLoopStats } | null = null;

	constructor(readonly now: () => number = () => performance.now()) {
		this.#start = this.#mark();
		this.#loop = monitorEventLoopDelay({ resolution: 10 });
		this.#loop.enable();
	}

	#mark(): Window {
		return { cpu: process.cpuUsage(), wallUs: this.now() * 1000, os: osCpuTimes() };
	}

	#measure(): { cpu: CpuStats; loop: EventLoopStats } {
		const end = this.#mark();
		const wall = Math.max(1, end.wallUs - this.#start.wallUs);
		const used = end.cpu.user - this.#start.cpu.user + (end.cpu.system - this.#start.cpu.system);
		const osTotal = end.os.total - this.#start.os.total;
		const h = this.#loop;
		return {
			cpu: {
				cpu_percent: round((100 * used) / wall, 1),
				system_cpu_percent: osTotal > 0 ? round((100 * (end.os.busy - this.#start.os.busy)) / osTotal, 1) : 0,
				cores: os.availableParallelism(),
				load_average: os.loadavg().map(x => round(x)),
			},
			loop: { p50_ms: ms(h.percentile(50)), p99_ms: ms(h.percentile(99)), max_ms: ms(h.max), mean_ms: ms(h.mean) },
		};
	}

	/** Close the current window: later reads report it until the next roll. */
	roll(): void {
		this.#last = this.#measure();
		this.#start = this.#mark();
		this.#loop.reset();
	}

	cpu(): CpuStats {
		return (this.#last ?? this.#measure()).cpu;
	}

	eventLoop(): EventLoopStats {
		return (this.#last ?? this.#measure()).loop;
	}

	memory(): MemoryStats {
		const m = process.memoryUsage();
		const total = os.totalmem();
		const available = os.freemem();
		return { rss_bytes: m.rss, heap_used_bytes: m.heapUsed, heap_total_bytes: m.heapTotal, system_total_bytes: total, system_available_bytes: available, memory_percent: round((100 * (total - available)) / total, 1) };
	}

	async disk(path: string): Promise<DiskStats> {
		const s = await statfs(path);
		const total = s.blocks * s.bsize;
		const available = s.bavail * s.bsize;
		return { path, total_bytes: total, available_bytes: available, disk_percent: total > 0 ? round((100 * (total - available)) / total, 1) : 0 };
	}

	stop(): void {
		this.#loop.disable();
	}
}

/** Resource levels past which `/health` reports `warning` (the node still serves: readiness is unaffected). */
export const RESOURCE_LIMITS = { cpu_percent: 90, memory_percent: 90, disk_percent: 90, event_loop_p99_ms: 200 };

/** Resource warnings, as readable sentences naming the value and its limit. */
export function resourceWarnings(s: { cpu: CpuStats; memory: MemoryStats; disk: DiskStats | null; loop: EventLoopStats }, limits = RESOURCE_LIMITS): string[] {
	const out: string[] = [];
	if (s.cpu.cpu_percent > limits.cpu_percent) out.push(`cpu_percent ${s.cpu.cpu_percent} > ${limits.cpu_percent}`);
	if (s.memory.memory_percent > limits.memory_percent) out.push(`memory_percent ${s.memory.memory_percent} > ${limits.memory_percent}`);
	if (s.disk && s.disk.disk_percent > limits.disk_percent) out.push(`disk_percent ${s.disk.disk_percent} > ${limits.disk_percent}`);
	if (s.loop.p99_ms > limits.event_loop_p99_ms) out.push(`event_loop_delay p99_ms ${s.loop.p99_ms} > ${limits.event_loop_p99_ms}`);
	return out;
}
