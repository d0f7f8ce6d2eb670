/**
 * CPU use per process over a measured window, in cores: this process (process.cpuUsage) and others
 * by pid (the nodes, Redis, NATS) through /proc on Linux; elsewhere only this process.
 */
import { readFileSync, readdirSync } from "node:fs";
import { now } from "./load.ts";

export class CpuMeter {
	#pids = new Map<string, number>();
	#start: { wall: number; self: NodeJS.CpuUsage; ticks: Map<string, number> } | null = null;
	readonly #hz = 100;
	/** CPU seconds per process over the last start()…stop() window (`bench` = this process). */
	lastSeconds: Record<string, number> = {};

	track(name: string, pid: number): void {
		this.#pids.set(name, pid);
	}

	untrack(name: string): void {
		this.#pids.delete(name);
	}

	#procTicks(pid: number): number | null {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
		} catch {
			return null;
		}
	}

	start(): void {
		const ticks = new Map<string, number>();
		for (const [name, pid] of this.#pids) {
			const t = this.#procTicks(pid);
			if (t !== null) ticks.set(name, t);
		}
		this.#start = { wall: now(), self: process.cpuUsage(), ticks };
	}

	/** Mean cores busy per process since start(); the CPU seconds go to `lastSeconds`. */
	stop(): Record<string, number> {
		const s = this.#start!;
		const wallS = (now() - s.wall) / 1000;
		const self = process.cpuUsage(s.self);
		const seconds: Record<string, number> = { bench: (self.user + self.system) / 1e6 };
		for (const [name, pid] of this.#pids) {
			const t = this.#procTicks(pid);
			const t0 = s.ticks.get(name);
			if (t !== null && t0 !== undefined) seconds[name] = (t - t0) / this.#hz;
		}
		this.lastSeconds = seconds;
		return Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, round2(v / wallS)]));
	}
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

/** The pid of the process whose command line starts with `prefix` (Linux /proc), for the CPU meter. */
export function findPid(prefix: string): number | null {
	let pids: string[];
	try {
		pids = readdirSync("/proc").filter(d => /^\d+$/.test(d));
	} catch {
		return null; // not Linux
	}
	for (const d of pids) {
		try {
			const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " ");
			if (cmd.startsWith(prefix) || cmd.includes(`/${prefix}`)) return Number(d);
		} catch {
			// the process went away meanwhile
		}
	}
	return null;
}
