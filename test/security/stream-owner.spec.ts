/**
 * Issue 13 item 6: an intelligence stream belongs to who started it (JWT `sub`, API key). Others
 * neither list nor stop it, and are answered 404 exactly as for an id that does not exist (a 403
 * would tell them it exists); admins see and stop every stream. The check is lib/auth/owner.ts.
 */
import { expect } from "chai";
import { ANONYMOUS_OWNER, mayAccess, ownedOrNotFound, ownerIdOf, SYSTEM_OWNER, visibleTo, type CallerAuth } from "../../lib/auth/owner.ts";
import { call, jwtFor, startSecuredNode, type SecuredNode } from "./secured-node.ts";

describe("security: intelligence streams authorized by owner (issue 13 item 6)", function () {
	this.timeout(30_000);

	describe("lib/auth/owner.ts", () => {
		const jwt = (sub: string | null, roles: string[] = []): CallerAuth => ({ sub, roles, via: "jwt" });
		it("owner ids: JWT sub and API key kept apart, one shared anonymous identity, system for internal calls", () => {
			expect(ownerIdOf(jwt("alice"))).to.equal("jwt:alice");
			expect(ownerIdOf({ sub: "key:k1", roles: [], via: "api-key" })).to.equal("key:k1");
			expect(ownerIdOf(jwt("key:k1")), "a JWT cannot pass for an API key").to.equal("jwt:key:k1");
			expect(ownerIdOf({ sub: null, roles: [], via: "anonymous" })).to.equal(ANONYMOUS_OWNER);
			expect(ownerIdOf(jwt(null))).to.equal(ANONYMOUS_OWNER);
			expect(ownerIdOf(undefined)).to.equal(SYSTEM_OWNER);
		});
		it("owner, admin and internal calls may access; others and owner-less resources (but for admins) may not", () => {
			expect(mayAccess(jwt("alice"), "jwt:alice")).to.equal(true);
			expect(mayAccess(jwt("bob"), "jwt:alice")).to.equal(false);
			expect(mayAccess(jwt("bob", ["admin"]), "jwt:alice")).to.equal(true);
			expect(mayAccess(undefined, "jwt:alice")).to.equal(true);
			expect(mayAccess(jwt("alice"), undefined)).to.equal(false);
			expect(mayAccess({ sub: null, roles: [], via: "anonymous" }, ANONYMOUS_OWNER), "anonymous callers share one identity").to.equal(true);
			expect(visibleTo(jwt("bob"), [{ o: "jwt:alice" }, { o: "jwt:bob" }], i => i.o)).to.deep.equal([{ o: "jwt:bob" }]);
			const nf = () => new Error("no such thing");
			expect(() => ownedOrNotFound(jwt("bob"), { o: "jwt:alice" }, i => i.o, nf)).to.throw("no such thing");
			expect(() => ownedOrNotFound(jwt("bob"), null, (i: { o: string }) => i.o, nf)).to.throw("no such thing");
		});
	});

	describe("over REST with authentication on", () => {
		let n: SecuredNode;
		let alice: string;
		let bob: string;
		let admin: string;
		let apiKey: string;
		before(async () => {
			n = await startSecuredNode("sec-streams", { auth: true, overrides: { services: ["gateway", "intelligence", "monitor"] } });
			[alice, bob, admin] = await Promise.all([jwtFor("alice", "free"), jwtFor("bob", "free"), jwtFor("root", "internal", ["admin"])]);
			const key = await call(n.base, "POST", "/api/v1/auth/keys", { token: admin, body: { name: "carol", tier: "free" } });
			expect(key.status, key.text).to.equal(200);
			apiKey = key.body.key;
		});
		after(async () => n?.stop());

		const start = async (token: string) => {
			const r = await call(n.base, "POST", "/api/v1/intelligence/streams", { token, body: { symbols: ["OWN"], interval_ms: 60_000 } });
			expect(r.status, r.text).to.equal(200);
			return r.body.id as string;
		};
		const ids = async (token: string) => {
			const r = await call(n.base, "GET", "/api/v1/intelligence/streams", { token });
			expect(r.status, r.text).to.equal(200);
			return (r.body as Array<{ id: string }>).map(s => s.id).sort();
		};
		const stop = (token: string, id: string, path = "/api/v1/intelligence/streams/") => call(n.base, "DELETE", `${path}${id}`, { token });

		it("lists only the caller's own streams; an admin lists all", async () => {
			const a = await start(alice);
			const b = await start(bob);
			const c = await start(apiKey);
			expect(await ids(alice)).to.deep.equal([a]);
			expect(await ids(bob)).to.deep.equal([b]);
			expect(await ids(apiKey)).to.deep.equal([c]);
			expect(await ids(admin)).to.deep.equal([a, b, c].sort());
			for (const id of [a, b, c]) expect((await stop(admin, id)).status).to.equal(200);
		});

		it("another user's stream: DELETE is the same 404 as an unknown id, and the stream keeps running", async () => {
			const a = await start(alice);
			const unknown = await stop(bob, "no-such-stream");
			for (const path of ["/api/v1/intelligence/streams/", "/intelligence/stream/"]) {
				for (const token of [bob, apiKey]) {
					const r = await stop(token, a, path);
					expect(r.status, r.text).to.equal(404);
					expect(r.body.error.code).to.equal(unknown.body.error.code);
					expect(Object.keys(r.body.error).sort()).to.deep.equal(Object.keys(unknown.body.error).sort());
				}
			}
			expect(await ids(alice)).to.deep.equal([a]);
			expect((await stop(alice, a)).status, "its owner stops it").to.equal(200);
			expect(await ids(admin)).to.not.include(a);
		});

		it("an admin stops anyone's stream", async () => {
			const a = await start(alice);
			expect((await stop(admin, a)).status).to.equal(200);
			expect(await ids(alice)).to.deep.equal([]);
		});
	});
});
