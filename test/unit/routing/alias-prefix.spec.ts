import { expect } from "chai";
import fc from "fast-check";
import { ServiceBroker } from "moleculer";
import ApiGateway from "moleculer-web";
import { AliasResolver, aliasLiteralPrefix, resolveAliasByPrefix } from "../../../lib/routing/alias-prefix.ts";
import { API_ALIASES, ROOT_ALIASES } from "../../../lib/routing/routes.ts";

type Resolved = { alias: { fullPath: string; method: string }; params: Record<string, unknown> } | false;
interface Gateway {
	aliases: Parameters<typeof resolveAliasByPrefix>[0];
	resolveAlias(url: string, method: string): Resolved;
}

describe("routing: alias resolution by literal prefix", () => {
	let broker: ServiceBroker;
	let gw: Gateway;
	before(async () => {
		broker = new ServiceBroker({ logger: false });
		// moleculer-web's own resolveAlias over the gateway's real tables (no server).
		broker.createService({
			name: "api",
			mixins: [ApiGateway as never],
			settings: {
				server: false,
				routes: [
					{ path: "/api/v1/ticks", mappingPolicy: "restrict", aliases: { "POST /": "ingest.ticks" } },
					{ path: "/api/v1", mappingPolicy: "restrict", aliases: { ...API_ALIASES, "GET stream": () => {} } },
					{ path: "/", mappingPolicy: "restrict", aliases: { ...ROOT_ALIASES, "POST streaming/subscribe/sse": () => {} } },
				],
			},
		});
		await broker.start();
		gw = broker.getLocalService("api") as unknown as Gateway;
	});
	after(() => broker.stop());

	it("literal prefix: up to the first parameter, lower-cased", () => {
		expect(aliasLiteralPrefix("/api/v1/symbols/:symbol/latest")).to.equal("/api/v1/symbols/");
		expect(aliasLiteralPrefix("/API/openapi.json")).to.equal("/api/openapi.json");
		expect(aliasLiteralPrefix("/files/*path")).to.equal("/files/");
		expect(aliasLiteralPrefix("/a{/:b}")).to.equal("/a");
	});

	// Small, so that the fuzz below also runs through its emptying.
	const memo = new AliasResolver<Parameters<typeof resolveAliasByPrefix>[0][number]>(50);
	const same = (url: string, method: string) => {
		const want = gw.resolveAlias(url, method);
		// The plain resolver, the memo's first answer and its kept one.
		for (const got of [resolveAliasByPrefix(gw.aliases, url, method), memo.resolve(gw.aliases, url, method), memo.resolve(gw.aliases, url, method)]) {
			if (!want) {
				expect(got, `${method} ${url}`).to.equal(false);
				continue;
			}
			expect(got, `${method} ${url}`).to.not.equal(false);
			const g = got as unknown as Exclude<Resolved, false>;
			expect(g.alias, `${method} ${url}`).to.equal(want.alias);
			expect(g.params).to.deep.equal(want.params);
		}
	};

	it("the memo forgets its answers when the alias table changes", () => {
		const m = new AliasResolver<Parameters<typeof resolveAliasByPrefix>[0][number]>();
		const table = [...gw.aliases];
		const first = m.resolve(table, "/api/v1/symbols/AAPL/latest", "GET");
		expect(first && first.alias.fullPath).to.equal("/api/v1/symbols/:symbol/latest");
		expect(first && Object.isFrozen(first.params)).to.equal(true);
		// moleculer-web removes a route's aliases (a new array) or pushes more (the same array, longer).
		const without = table.filter(a => a.fullPath !== "/api/v1/symbols/:symbol/latest");
		const second = m.resolve(without, "/api/v1/symbols/AAPL/latest", "GET");
		expect(second && second.alias.fullPath).to.not.equal("/api/v1/symbols/:symbol/latest");
		without.unshift(table.find(a => a.fullPath === "/api/v1/symbols/:symbol/latest")!);
		const third = m.resolve(without, "/api/v1/symbols/AAPL/latest", "GET");
		expect(third && third.alias.fullPath).to.equal("/api/v1/symbols/:symbol/latest");
	});

	it("picks the same alias and params as moleculer-web for every path in the tables, any case", () => {
		const paths = gw.aliases.map(a => a.fullPath.replace(/:([A-Za-z_]+)/g, "X$1"));
		expect(paths.length).to.be.greaterThan(50);
		for (const p of paths) for (const url of [p, p.toUpperCase(), `${p}/extra`, p.slice(0, -1)]) for (const m of ["GET", "POST", "PUT", "DELETE"]) same(url, m);
		for (const url of ["/api/v1/symbols/AAPL/latest", "/api/v1/symbols/aapl/LATEST", "/API/V1/SYMBOLS", "/health", "/", "/api/v1", "/nope", "/api/v1/symbols/%41APL/latest"]) same(url, "GET");
	});

	it("agrees with moleculer-web on random URLs made from the tables' segments", () => {
		const segments = [...new Set(gw.aliases.flatMap(a => a.fullPath.split("/")).filter(s => s && !s.startsWith(":")))];
		const seg = fc.oneof(
			fc.constantFrom(...segments),
			fc.constantFrom("AAPL", "x", "1", "%2F", "É"),
			fc.string({ maxLength: 4 }).map(s => s.replace(/[/?#]/g, "")),
		);
		fc.assert(
			fc.property(fc.array(seg, { maxLength: 6 }), fc.constantFrom("GET", "POST", "PUT", "DELETE"), fc.boolean(), (parts, method, upper) => {
				const url = `/${parts.join("/")}`;
				same(upper ? url.toUpperCase() : url, method);
			}),
			{ numRuns: 3000 },
		);
	});
});
