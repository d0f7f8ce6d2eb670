import { expect } from "chai";
import { eachInTurns, nextTurn, singleFlightInterval } from "../../../lib/scheduling/turns.ts";

/** Marks "turn" at every event-loop turn (check phase) until stopped, alongside the loop under test. */
function turnMarker(marks: Array<number | string>) {
	let on = true;
	const mark = () => {
		if (!on) return;
		marks.push("turn");
		setImmediate(mark);
	};
	setImmediate(mark);
	return () => (on = false);
}

describe("lib/scheduling/turns", () => {
	it("nextTurn resolves after the callbacks already waiting for the event loop", async () => {
		const marks: string[] = [];
		setImmediate(() => marks.push("waiting"));
		await nextTurn();
		marks.push("after");
		expect(marks).to.deep.equal(["waiting", "after"]);
	});

	it("runs every item in order in one turn while the budget lasts", async () => {
		const marks: Array<number | string> = [];
		const stop = turnMarker(marks);
		await eachInTurns(10, i => marks.push(i), { budgetMs: Infinity, every: 4 });
		stop();
		expect(marks).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
	});

	it("with the budget spent, lets a turn run after every `every` items", async () => {
		const marks: Array<number | string> = [];
		const stop = turnMarker(marks);
		await eachInTurns(10, i => marks.push(i), { budgetMs: -1, every: 4 });
		stop();
		expect(marks).to.deep.equal([0, 1, 2, 3, "turn", 4, 5, 6, 7, "turn", 8, 9]);
	});

	it("singleFlightInterval skips the ticks that find the last run still going, then runs again", async () => {
		let runs = 0;
		let release!: () => void;
		let started!: () => void;
		let startedAgain = new Promise<void>(r => (started = r));
		const gate = new Promise<void>(r => (release = r));
		const timer = singleFlightInterval(2, () => {
			runs++;
			started();
			return runs === 1 ? gate : Promise.resolve();
		});
		try {
			await startedAgain;
			// Five more ticks of a same-period interval: the first run is still going through them.
			await new Promise<void>(resolve => {
				let n = 0;
				const t = setInterval(() => ++n === 5 && (clearInterval(t), resolve()), 2);
			});
			expect(runs).to.equal(1);
			startedAgain = new Promise<void>(r => (started = r));
			release();
			await startedAgain;
			expect(runs).to.equal(2);
		} finally {
			clearInterval(timer);
		}
	});
});
