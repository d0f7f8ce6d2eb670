// Mocha's spec reporter plus one closing line, "N passed, N failed, N skipped", that CI reads.
const Mocha = require("mocha");

class RookeryReporter extends Mocha.reporters.Spec {
	constructor(runner, options) {
		super(runner, options);
		runner.once("end", () => {
			const s = runner.stats;
			console.log(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
		});
	}
}

module.exports = RookeryReporter;
