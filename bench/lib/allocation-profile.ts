/**
 * A sampled profile of what a bench process allocates, collected objects included: load it before
 * a bench (`node --import tsx --import ./bench/lib/allocation-profile.ts bench/ingest-vendors.ts`)
 * and it writes a `.heapprofile` (Chrome DevTools, or any reader of its JSON) to ALLOCATION_PROFILE
 * (default bench/results/allocations.heapprofile; each run of bench/ingest-vendors.ts, a process of
 * its own, inserts `-<measure>-run<n>` before `.heapprofile`) when the process exits normally (not on a
 * signal). Node's own `--heap-prof` keeps only the samples still alive when it stops, which hides
 * short-lived garbage: what a vendor message allocates and the young generation then scavenges
 * (bench/README.md, "Allocation").
 */
import { writeFileSync } from "node:fs";
import inspector from "node:inspector";
import path from "node:path";

const file = process.env.ALLOCATION_PROFILE ?? path.resolve(import.meta.dirname, "../results/allocations.heapprofile");
// A run of bench/ingest-vendors.ts in a process of its own inherits this import: each writes its own file.
const suffix = process.env.BENCH_CHILD ? `-${process.env.BENCH_CHILD}-run${process.env.BENCH_CHILD_RUN}` : "";
const out = suffix === "" ? file : file.replace(/(\.heapprofile)?$/, `${suffix}$1`);
const session = new inspector.Session();
session.connect();
session.post("HeapProfiler.enable");
// One sample per 16 KiB allocated on average; both flags keep the samples of collected objects.
session.post("HeapProfiler.startSampling", { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as inspector.HeapProfiler.StartSamplingParameterType);
process.on("exit", () => {
	// The inspector answers synchronously within the process, so the file is written before exit.
	session.post("HeapProfiler.stopSampling", (err, result) => {
		if (err) process.stderr.write(`allocation profile: ${err.message}\n`);
		else writeFileSync(out, JSON.stringify(result.profile));
	});
});
