import { expect } from "chai";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SERVICE_NAMES } from "../../../lib/config/config.ts";
import { usageText } from "../../../lib/config/usage.ts";
import { helpServices } from "../../helpers/help-text.ts";

describe("lib/config/usage (--help)", () => {
	it("lists every service --services accepts, in order", () => {
		expect(helpServices(usageText())).to.deep.equal([...SERVICE_NAMES]);
	});

	it("lists every service file in services/ (services/agents/forecast.service.ts is agents.forecast)", () => {
		const dir = fileURLToPath(new URL("../../../services/", import.meta.url));
		const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(f => f.endsWith(".service.ts"));
		const names = files.map(f => f.replace(/\.service\.ts$/, "").replaceAll("/", "."));
		expect(names).to.have.length.at.least(15);
		expect(helpServices(usageText())).to.have.members(names);
	});

	it("keeps every line within 80 columns", () => {
		for (const line of usageText().split("\n")) expect(line.length, line).to.be.at.most(80);
	});
});
