import { expect } from "chai";
import { decodeHops, encodeHops, hopsPair, StageRecorder, STAGES, type Stage } from "../../../lib/metrics/stages.ts";

/** A recorder on a clock the test moves. */
function recorder(enabled = true) {
	let t = 1_765_000_000_000.25;
	const r = new StageRecorder(enabled, () => t);
	return { r, advance: (ms: number) => (t += ms) };
}
const stage = (r: StageRecorder, s: Stage) => r.snapshot().stages.find(x => x.stage === s)!;

describe("StageRecorder", () => {
	it("records each stage's time since the stamp and since the stage before, in ms", () => {
		const { r, advance } = recorder();
		let h = r.start()!;
		advance(1.5);
		h = r.mark("http.parsed", h);
		advance(0.25);
		h = r.mark("ingest.checked", h);
		advance(3);
		r.mark("owner.sent", h);
		expect(stage(r, "http.parsed")).to.deep.include({ count: 1 });
		expect(stage(r, "http.parsed").cumulative.p50).to.be.closeTo(1.5, 0.02);
		expect(stage(r, "ingest.checked").cumulative.p50).to.be.closeTo(1.75, 0.02);
		expect(stage(r, "ingest.checked").incremental.p50).to.be.closeTo(0.25, 0.003);
		expect(stage(r, "owner.sent").cumulative.max).to.be.closeTo(4.75, 0.05);
		expect(stage(r, "owner.sent").incremental.max).to.be.closeTo(3, 0.03);
		expect(stage(r, "ws.send").count).to.equal(0);
		expect(r.snapshot().stages.map(s => s.stage)).to.deep.equal([...STAGES]);
	});

	it("gives each call of a fan-out its own stamps: marking does not change the stamps it was given", () => {
		const { r, advance } = recorder();
		const checked = r.mark("ingest.checked", r.start()!);
		advance(2);
		const first = r.mark("owner.sent", checked);
		advance(2);
		const second = r.mark("owner.sent", checked);
		expect(second.at - first.at).to.equal(2);
		expect(stage(r, "owner.sent").incremental.max).to.be.closeTo(4, 0.04);
		expect(stage(r, "owner.sent").incremental.p50).to.be.closeTo(2, 0.02);
	});

	it("percentiles over many batches: p99 sees the slow one, p50 the common case", () => {
		const { r, advance } = recorder();
		for (let i = 0; i < 100; i++) {
			const h = r.start()!;
			advance(i === 99 ? 20 : 1);
			r.mark("append.done", h);
		}
		const s = stage(r, "append.done");
		expect(s.count).to.equal(100);
		expect(s.cumulative.p50).to.be.closeTo(1, 0.01);
		expect(s.cumulative.p90).to.be.closeTo(1, 0.01);
		expect(s.cumulative.max).to.be.closeTo(20, 0.2);
		expect(s.cumulative.p99).to.be.at.most(s.cumulative.max);
	});

	it("takes stamps from another node as a [t0, at] pair or a header, and refuses anything else", () => {
		const { r, advance } = recorder();
		const sent = r.mark("owner.sent", r.start()!);
		advance(0.5);
		const got = r.receive("owner.received", hopsPair(sent))!;
		expect(got.t0).to.equal(sent.t0);
		expect(stage(r, "owner.received").incremental.p50).to.be.closeTo(0.5, 0.01);
		expect(decodeHops(encodeHops(got))).to.deep.equal(got);
		for (const junk of [undefined, null, "", "1", "a b", "1 2 3", [1], [1, "2"], [1, Infinity], { t0: 1, at: 2 }, 5]) expect(r.receive("gateway.received", junk), String(junk)).to.equal(undefined);
		expect(stage(r, "gateway.received").count).to.equal(0);
	});

	it("counts a negative time (clocks apart) and records it as 0; drops stamps too old to believe", () => {
		const { r } = recorder();
		const now = r.clock();
		r.mark("gateway.received", { t0: now + 5, at: now + 5 });
		r.mark("gateway.received", { t0: now - 3_600_000, at: now - 1 });
		const s = stage(r, "gateway.received");
		expect(s.count).to.equal(1);
		expect(s.cumulative.max).to.equal(0);
		expect(r.snapshot().negative).to.equal(2);
	});

	it("off: no stamps are taken or passed on, and nothing is recorded", () => {
		const { r } = recorder(false);
		expect(r.start()).to.equal(undefined);
		expect(r.receive("owner.received", [1, 2])).to.equal(undefined);
		r.mark("published", { t0: r.clock() - 1, at: r.clock() - 1 });
		expect(r.snapshot()).to.deep.include({ enabled: false });
		expect(r.snapshot().stages.every(s => s.count === 0)).to.equal(true);
	});

	it("reset empties every histogram", () => {
		const { r, advance } = recorder();
		const h = r.start()!;
		advance(1);
		r.mark("fanout", h);
		r.reset();
		expect(stage(r, "fanout").count).to.equal(0);
		expect(stage(r, "fanout").cumulative).to.deep.equal({ p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
	});
});
