import { expect } from "chai";
import { SERVICE_NAMES } from "../../../lib/config/config.ts";
import { usageText } from "../../../lib/config/usage.ts";
import { helpServices } from "../../helpers/help-text.ts";

describe("lib/config/usage (--help)", () => {
	it("lists every service --services accepts, in order", () => {
		expect(helpServices(usageText())).to.deep.equal([...SERVICE_NAMES]);
	});

	it("keeps every line within 80 columns", () => {
		for (const line of usageText().split("\n")) expect(line.length, line).to.be.at.most(80);
	});
});
