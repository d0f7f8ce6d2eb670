/**
 * A CPU profile of a bench's measured window only (`node --cpu-prof` covers the whole process: the
 * setup, module loading, building the input, which for a short window outweighs what is measured).
 * `start()` when the window opens, `stop(name)` when it closes: with BENCH_CPU_PROFILE=<dir> it
 * writes `<dir>/<name>.cpuprofile` (Chrome DevTools, or any reader of its JSON); without it both do
 * nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import inspector from "node:inspector/promises";
import path from "node:path";

const dir = process.env.BENCH_CPU_PROFILE;
let session: inspector.Session | null = null;

export async function startWindowProfile(): Promise<void> {
	if (!dir) return;
	session ??= new inspector.Session();
	session.connect();
	await session.post("Profiler.enable");
	await session.post("Profiler.start");
}

export async function stopWindowProfile(name: string): Promise<void> {
	if (!dir || !session) return;
	const { profile } = await session.post("Profiler.stop");
	session.disconnect();
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
}
