import { expect } from "chai";
import { eachInTurns, nextTurn } from "../../../lib/scheduling/turns.ts";

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
});
