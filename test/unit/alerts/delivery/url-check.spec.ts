import { expect } from "chai";
import { addressKind, checkResolvedWebhookUrl, checkWebhookUrl } from "../../../../lib/alerts/delivery/url-check.ts";

const strict = { allowPrivate: false, allowLoopback: false };

describe("lib/alerts/delivery/url-check", () => {
	it("classifies loopback, private and public addresses (IPv4, IPv6, IPv4-mapped)", () => {
		const cases: Array<[string, string]> = [
			["127.0.0.1", "loopback"],
			["127.9.9.9", "loopback"],
			["::1", "loopback"],
			["::ffff:127.0.0.1", "loopback"],
			["10.1.2.3", "private"],
			["172.16.0.1", "private"],
			["172.31.255.255", "private"],
			["192.168.1.1", "private"],
			["169.254.169.254", "private"],
			["100.64.0.1", "private"],
			["0.0.0.0", "private"],
			["fc00::1", "private"],
			["fd12::1", "private"],
			["fe80::1", "private"],
			["::", "private"],
			["::ffff:10.0.0.1", "private"],
			["8.8.8.8", "public"],
			["172.32.0.1", "public"],
			["2606:4700::1111", "public"],
		];
		for (const [ip, kind] of cases) expect(addressKind(ip), ip).to.equal(kind);
	});

	it("refuses loopback and private URLs unless allowed, and non-http schemes always", () => {
		expect(checkWebhookUrl("https://hooks.example.com/x", strict)).to.equal(null);
		expect(checkWebhookUrl("http://127.0.0.1:8080/x", strict)).to.match(/loopback/);
		expect(checkWebhookUrl("http://localhost/x", strict)).to.match(/loopback/);
		expect(checkWebhookUrl("http://api.localhost/x", strict)).to.match(/loopback/);
		expect(checkWebhookUrl("http://[::1]/x", strict)).to.match(/loopback/);
		expect(checkWebhookUrl("http://169.254.169.254/latest/meta-data", strict)).to.match(/private/);
		expect(checkWebhookUrl("http://10.0.0.5/x", strict)).to.match(/private/);
		expect(checkWebhookUrl("http://127.0.0.1/x", { allowPrivate: false, allowLoopback: true })).to.equal(null);
		expect(checkWebhookUrl("http://10.0.0.5/x", { allowPrivate: true, allowLoopback: false })).to.equal(null);
		expect(checkWebhookUrl("http://10.0.0.5/x", { allowPrivate: true, allowLoopback: true })).to.equal(null);
		expect(checkWebhookUrl("ftp://example.com/x", { allowPrivate: true, allowLoopback: true })).to.match(/scheme/);
		expect(checkWebhookUrl("not a url", strict)).to.match(/valid URL/);
	});

	it("checks the addresses a name resolves to", async () => {
		const resolve = async (host: string) => (host === "inside.example.com" ? ["93.184.216.34", "10.0.0.7"] : ["93.184.216.34"]);
		expect(await checkResolvedWebhookUrl("https://outside.example.com/h", strict, resolve)).to.equal(null);
		expect(await checkResolvedWebhookUrl("https://inside.example.com/h", strict, resolve)).to.match(/inside\.example\.com \(10\.0\.0\.7\) is a private address/);
	});
});
