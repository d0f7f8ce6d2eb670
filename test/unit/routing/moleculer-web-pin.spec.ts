/**
 * mixins/gateway/gateway-direct.mixin.ts uses moleculer-web's internals: it holds only for the
 * release it was written against. package.json must pin exactly that release, and it must be the
 * one installed; a moleculer-web upgrade changes all three together, after the differential tests
 * (test/integration/gateway-direct.spec.ts, alias-prefix.spec.ts) pass against it.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { MOLECULER_WEB_VERSION } from "../../../mixins/gateway/gateway-direct.mixin.ts";

const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as { version?: string; dependencies?: Record<string, string> };

describe("routing: moleculer-web is pinned to the release the direct path is written against", () => {
	it("package.json names that exact version (no range), and it is the one installed", () => {
		const pkg = read(new URL("../../../package.json", import.meta.url).pathname);
		expect(pkg.dependencies?.["moleculer-web"], "package.json").to.equal(MOLECULER_WEB_VERSION);
		const installed = read(createRequire(import.meta.url).resolve("moleculer-web/package.json"));
		expect(installed.version, "node_modules").to.equal(MOLECULER_WEB_VERSION);
	});
});
