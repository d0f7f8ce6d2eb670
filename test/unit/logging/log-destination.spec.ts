import { expect } from "chai";
import { PassThrough } from "node:stream";
import pino from "pino";
import { logDestination, resolveLogFormat } from "../../../lib/logging/log-destination.ts";
import { defaultConfig, fromEnv, mergeConfig, validateConfig } from "../../../lib/config/config.ts";

/** One log call through pino into the destination for `format`; the text written. */
function logOnce(format: "json" | "pretty"): string {
	const out = new PassThrough();
	let text = "";
	out.on("data", d => (text += d));
	const logger = pino({ base: { node: "n1" } }, logDestination(format, { isTTY: false, destination: out }) ?? out);
	logger.child({ mod: "gateway" }).info({ symbol: "AAPL", seq: 7 }, "tick accepted");
	return text;
}

describe("lib/logging/log-destination", () => {
	it("auto is pretty on a terminal and JSON otherwise; LOG_FORMAT picks one, and bad values are refused", () => {
		expect(resolveLogFormat("auto", true)).to.equal("pretty");
		expect(resolveLogFormat("auto", false)).to.equal("json");
		expect(resolveLogFormat("json", true)).to.equal("json");
		expect(mergeConfig(defaultConfig(), fromEnv({ LOG_FORMAT: "pretty" })).logFormat).to.equal("pretty");
		expect(() => validateConfig(mergeConfig(defaultConfig(), fromEnv({ LOG_FORMAT: "xml" })))).to.throw(/logFormat/);
	});

	it("writes the same fields as one JSON object per line, or as a readable line", () => {
		const json = JSON.parse(logOnce("json").trim());
		expect(json).to.include({ node: "n1", mod: "gateway", symbol: "AAPL", seq: 7, msg: "tick accepted", level: 30 });
		const line = logOnce("pretty");
		expect(line.trim().split("\n")).to.have.length(1);
		expect(line.startsWith("{")).to.equal(false);
		for (const s of ["INFO", "tick accepted", "node", "n1", "mod", "gateway", "symbol", "AAPL", "seq", "7"]) expect(line).to.contain(s);
	});
});
