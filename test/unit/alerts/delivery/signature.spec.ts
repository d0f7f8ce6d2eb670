import { expect } from "chai";
import { createHmac } from "node:crypto";
import { signatureHeader, verifySignature } from "../../../../lib/alerts/delivery/signature.ts";

describe("lib/alerts/delivery/signature", () => {
	const body = JSON.stringify({ type: "alert", delivery_id: "a1:0" });
	const t = 1_800_000_000;

	it("signs t + '.' + body with HMAC-SHA256, as docs/alerts.md says to verify it", () => {
		const expected = createHmac("sha256", "s3cret").update(`${t}.${body}`).digest("hex");
		expect(signatureHeader("s3cret", t, body)).to.equal(`t=${t},v1=${expected}`);
	});

	it("verifies its own header and refuses a changed body, another secret, an old or malformed header", () => {
		const h = signatureHeader("s3cret", t, body);
		expect(verifySignature(h, "s3cret", body, t + 10)).to.equal(true);
		expect(verifySignature(h, "s3cret", `${body} `, t)).to.equal(false);
		expect(verifySignature(h, "other", body, t)).to.equal(false);
		expect(verifySignature(h, "s3cret", body, t + 301)).to.equal(false);
		expect(verifySignature(h.replace(/v1=../, "v1=zz"), "s3cret", body, t)).to.equal(false);
		expect(verifySignature("v1=abc", "s3cret", body, t)).to.equal(false);
		expect(verifySignature(undefined, "s3cret", body, t)).to.equal(false);
	});
});
