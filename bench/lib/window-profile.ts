/**
 * Profiles of a bench's measured window only (`node --cpu-prof` and `--import
 * ./bench/lib/allocation-profile.ts` cover the whole process: the setup, module loading, building
 * the input, which for a short window outweigh what is measured). `startWindowProfile()` when the
 * window opens, `stopWindowProfile(name)` when it closes, after the window's figures are taken
 * (stopping and writing takes up to a second): with BENCH_CPU_PROFILE=<dir> it writes
 * `<dir>/<name>-<k>.cpuprofile` for the k-th window of that name, with BENCH_ALLOC_PROFILE=<dir>
 * `<dir>/<name>-<k>.heapprofile` (sampled allocations, collected objects included, as
 * allocation-profile.ts); Chrome DevTools reads both.
 * Without either, both calls do nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import inspector from "node:inspector/promises";
import path from "node:path";

const cpuDir = process.env.BENCH_CPU_PROFILE;
const allocDir = process.env.BENCH_ALLOC_PROFILE;
/** Windows stopped so far, by name: the k in `<name>-<k>`. */
const windows = new Map<string, number>();
/** The session of the window being profiled, or null. */
let session: inspector.Session | null = null;

export async function startWindowProfile(): Promise<void> {
	if (!cpuDir && !allocDir) return;
	// A window that threw before its stop: its session goes first (one session a process).
	session?.disconnect();
	session = new inspector.Session();
	session.connect();
	if (cpuDir) {
		await session.post("Profiler.enable");
		await session.post("Profiler.start");
	}
	if (allocDir) {
		await session.post("HeapProfiler.enable");
		// One sample per 16 KiB allocated on average; both flags keep the samples of collected objects.
		await session.post("HeapProfiler.startSampling", { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as inspector.HeapProfiler.StartSamplingParameterType);
	}
}

export async function stopWindowProfile(name: string): Promise<void> {
	const s = session;
	if (!s) return;
	session = null;
	const k = (windows.get(name) ?? 0) + 1;
	windows.set(name, k);
	const write = (dir: string, ext: string, profile: unknown) => {
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, `${name}-${k}.${ext}`), JSON.stringify(profile));
	};
	try {
		if (cpuDir) write(cpuDir, "cpuprofile", (await s.post("Profiler.stop")).profile);
		if (allocDir) write(allocDir, "heapprofile", (await s.post("HeapProfiler.stopSampling")).profile);
	} finally {
		s.disconnect();
	}
}
