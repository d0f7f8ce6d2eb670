import { expect } from "chai";
import { SignJWT, exportSPKI, generateKeyPair } from "jose";
import { Authenticator, type AuthSettings } from "../../../lib/auth/authenticator.ts";
import { ApiKeyStore, hashApiKey } from "../../../lib/auth/api-keys.ts";
import { MemoryKv } from "../../../lib/kv/index.ts";

const SECRET = "s".repeat(40);
const none: AuthSettings = { jwtSecret: null, jwtPublicKey: null, jwtIssuer: null, jwtAudience: null, anonymousTier: null };
const src = (headers: Record<string, string> = {}, query = "") => ({ headers, query: new URLSearchParams(query) });

async function hs256(claims: Record<string, unknown>, opts: { secret?: string; exp?: number | string; iss?: string; aud?: string } = {}) {
	let j = new SignJWT(claims)
		.setProtectedHeader({ alg: "HS256" })
		.setIssuedAt()
		.setExpirationTime(opts.exp ?? "1h");
	if (opts.iss) j = j.setIssuer(opts.iss);
	if (opts.aud) j = j.setAudience(opts.aud);
	return j.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

describe("lib/auth", () => {
	let kv: MemoryKv;
	let keys: ApiKeyStore;
	beforeEach(async () => {
		kv = new MemoryKv();
		await kv.connect();
		keys = new ApiKeyStore(kv, { cacheMs: 0, now: Date.now });
	});

	describe("development mode (nothing configured)", () => {
		it("lets anonymous callers in with the internal tier, and gives loopback ones the admin role", async () => {
			const auth = new Authenticator(none, keys);
			expect(await auth.devMode()).to.equal(true);
			const local = await auth.resolve(src(), "127.0.0.1");
			const remote = await auth.resolve(src(), "10.1.2.3");
			expect(local).to.include({ tier: "internal", via: "anonymous", dev: true });
			expect(local.roles).to.deep.equal(["admin"]);
			expect((await auth.resolve(src(), "::ffff:127.0.0.1")).roles).to.deep.equal(["admin"]);
			expect(remote.roles).to.deep.equal([]);
		});

		it("ends as soon as an API key exists: anonymous callers then get the configured tier, or 401", async () => {
			await keys.create({ name: "ops", tier: "pro", roles: [] });
			const closed = new Authenticator(none, keys);
			expect(await closed.devMode()).to.equal(false);
			let err: any;
			await closed.resolve(src(), "127.0.0.1").catch(e => (err = e));
			expect(err?.code).to.equal(401);
			const open = new Authenticator({ ...none, anonymousTier: "free" }, keys);
			expect(await open.resolve(src(), "127.0.0.1")).to.include({ tier: "free", dev: false });
			expect((await open.resolve(src(), "127.0.0.1")).roles).to.deep.equal([]);
		});
	});

	describe("JWT", () => {
		const auth = () => new Authenticator({ ...none, jwtSecret: SECRET, jwtIssuer: "rookery-test", jwtAudience: "clients" }, keys);
		const refusal = async (p: Promise<unknown>) => {
			try {
				await p;
			} catch (err) {
				return { code: (err as { code: number }).code, message: (err as Error).message };
			}
			throw new Error("expected a refusal");
		};

		it("accepts a valid HS256 token from the header, ?token= or the WS auth op, with its tier and roles", async () => {
			const token = await hs256({ sub: "u1", tier: "pro", roles: ["admin"] }, { iss: "rookery-test", aud: "clients" });
			const p = await auth().resolve(src({ authorization: `Bearer ${token}` }), "10.0.0.1");
			expect(p).to.deep.include({ sub: "u1", tier: "pro", roles: ["admin"], via: "jwt" });
			expect(p.expiresAt).to.be.a("number");
			expect((await auth().resolve(src({}, `token=${token}`), undefined)).sub).to.equal("u1");
			expect((await auth().authenticate(token)).tier).to.equal("pro");
		});

		it("refuses expired, forged, wrong-issuer, wrong-audience and unknown-tier tokens with 401 saying why", async () => {
			const a = auth();
			const ok = { iss: "rookery-test", aud: "clients" };
			expect(await refusal(a.authenticate(await hs256({ sub: "u" }, { ...ok, exp: Math.floor(Date.now() / 1000) - 10 })))).to.deep.equal({ code: 401, message: "JWT expired" });
			expect(await refusal(a.authenticate(await hs256({ sub: "u" }, { ...ok, secret: "x".repeat(40) })))).to.deep.equal({ code: 401, message: "JWT signature is invalid" });
			const good = await hs256({ sub: "u", tier: "internal" }, ok);
			const [h, , sig] = good.split(".");
			const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: "u", tier: "internal", roles: ["admin"], exp: 2e9, iss: "rookery-test", aud: "clients" })).toString("base64url")}.${sig}`;
			expect((await refusal(a.authenticate(tampered))).message).to.equal("JWT signature is invalid");
			expect((await refusal(a.authenticate(await hs256({ sub: "u" }, { aud: "clients", iss: "evil" })))).message).to.match(/claim 'iss'/);
			expect((await refusal(a.authenticate(await hs256({ sub: "u" }, { iss: "rookery-test", aud: "other" })))).message).to.match(/claim 'aud'/);
			expect((await refusal(a.authenticate(await hs256({ sub: "u", tier: "gold" }, ok)))).message).to.match(/tier 'gold'/);
			expect((await refusal(a.authenticate("not.a.jwt"))).code).to.equal(401);
			// alg none is never accepted
			const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"u","exp":2000000000}').toString("base64url")}.`;
			expect((await refusal(a.authenticate(none))).message).to.match(/algorithm 'none'/);
			expect((await refusal(a.resolve(src({ authorization: "Basic abc" }), undefined))).code).to.equal(401);
		});

		it("verifies RS256 with the configured public key", async () => {
			const { publicKey, privateKey } = await generateKeyPair("RS256");
			const pem = await exportSPKI(publicKey);
			const a = new Authenticator({ ...none, jwtPublicKey: pem }, keys);
			const token = await new SignJWT({ sub: "svc", tier: "internal" }).setProtectedHeader({ alg: "RS256" }).setExpirationTime("5m").sign(privateKey);
			expect(await a.authenticate(token)).to.include({ sub: "svc", tier: "internal" });
			const other = await generateKeyPair("RS256");
			const forged = await new SignJWT({ sub: "svc" }).setProtectedHeader({ alg: "RS256" }).setExpirationTime("5m").sign(other.privateKey);
			expect((await refusal(a.authenticate(forged))).message).to.equal("JWT signature is invalid");
			// an HS256 token when only RS256 is configured
			expect((await refusal(a.authenticate(await hs256({ sub: "x" })))).message).to.match(/algorithm 'HS256' is not accepted/);
		});
	});

	describe("API keys", () => {
		it("stores only the hash, verifies from X-API-Key / Bearer / ?api_key=, and refuses revoked keys", async () => {
			const made = await keys.create({ name: "desk", tier: "pro", roles: ["admin"] });
			expect(made.key).to.match(/^rk_/);
			const stored = await kv.hgetall("auth:apikeys");
			expect(Object.keys(stored)).to.deep.equal([hashApiKey(made.key)]);
			expect(JSON.stringify(stored)).not.to.include(made.key);
			const a = new Authenticator(none, keys);
			for (const s of [src({ "x-api-key": made.key }), src({ authorization: `Bearer ${made.key}` }), src({}, `api_key=${made.key}`)]) {
				expect(await a.resolve(s, undefined)).to.deep.include({ sub: `key:${made.id}`, tier: "pro", roles: ["admin"], via: "api-key" });
			}
			expect((await keys.list()).map(k => k.id)).to.deep.equal([made.id]);
			expect(await keys.revoke(made.id)).to.equal(true);
			expect(await keys.revoke(made.id)).to.equal(false);
			let err: any;
			await a.resolve(src({ "x-api-key": made.key }), undefined).catch(e => (err = e));
			expect(err?.code).to.equal(401);
			expect(err?.message).to.equal("unknown or revoked API key");
		});
	});

	it("authorize: actions marked role admin need the admin role", () => {
		const base = { sub: "u", tier: "pro" as const, via: "jwt" as const, expiresAt: null, dev: false };
		expect(() => Authenticator.authorize({ ...base, roles: [] }, { name: "config.set", role: "admin" })).to.throw("'config.set' needs the admin role");
		expect(() => Authenticator.authorize({ ...base, roles: ["admin"] }, { name: "config.set", role: "admin" })).not.to.throw();
		expect(() => Authenticator.authorize({ ...base, roles: [] }, { name: "symbols.latest" })).not.to.throw();
	});
});
