import { expect } from "chai";
import { PauseSampler } from "../../../lib/metrics/pauses.ts";
import { waitFor } from "../../helpers/ports.ts";

describe("PauseSampler", () => {
	let sampler: PauseSampler;
	afterEach(() => sampler?.stop());

	it("sees the event loop blocked, beyond its timer's interval", async () => {
		sampler = new PauseSampler(5);
		// Its timer has run once: the next run is due in 5 ms.
		await waitFor(() => sampler.snapshot().loopDelay.samples > 0, { intervalMs: 1, what: "the loop-delay timer running" });
		const until = performance.now() + 40;
		while (performance.now() < until) {
			// blocks the loop for 40 ms
		}
		const s = await waitFor(
			() => {
				const snap = sampler.snapshot();
				return snap.loopDelay.max >= 30 ? snap : null;
			},
			{ timeoutMs: 5000, what: "the block in the loop delay" },
		);
		expect(s.loopDelay.max).to.be.below(1000);
		expect(s.loopDelay.resolutionMs).to.equal(5);
		sampler.reset();
		expect(sampler.snapshot().loopDelay.max).to.be.below(30);
	});

	it("counts garbage-collection pauses by kind", async () => {
		sampler = new PauseSampler();
		const keep: unknown[] = [];
		const s = await waitFor(
			() => {
				// Short-lived garbage: scavenges follow.
				for (let i = 0; i < 20_000; i++) keep[i % 100] = { i, s: `x${i}` };
				const snap = sampler.snapshot();
				return snap.gc.count > 0 ? snap : null;
			},
			{ timeoutMs: 10_000, intervalMs: 1, what: "a GC pause observed" },
		);
		const byKind = Object.values(s.gc.byKind).reduce((n, k) => n + k.count, 0);
		expect(byKind).to.equal(s.gc.count);
		expect(s.gc.totalMs).to.be.above(0);
		expect(s.gc.pause.max).to.be.at.least(s.gc.pause.p50);
		sampler.reset();
		expect(sampler.snapshot().gc.count).to.equal(0);
	});
});
