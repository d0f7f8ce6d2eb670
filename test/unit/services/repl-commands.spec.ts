import { expect } from "chai";
import { startNode, testConfig, type TestNode } from "../../helpers/node.ts";
import { replCommands } from "../../../runtime/repl-commands.ts";
import { waitFor } from "../../helpers/ports.ts";

/** Run a REPL command and capture what it prints. */
async function run(node: TestNode, name: string, args: Record<string, unknown> = {}): Promise<unknown[]> {
	const printed: unknown[] = [];
	const { table, log } = console;
	console.table = (rows: unknown) => printed.push(rows);
	console.log = (line: unknown) => printed.push(line);
	try {
		await replCommands.find(c => c.command.split(" ")[0] === name)!.action(node.broker, args);
	} finally {
		Object.assign(console, { table, log });
	}
	return printed;
}

describe("services: REPL commands", () => {
	let node: TestNode;
	before(async () => {
		const config = testConfig({ nodeId: "repl-test", symbols: ["AAPL", "MSFT"], feed: { type: "synthetic", ticksPerSecond: 50 } });
		node = await startNode(config);
	});
	after(async () => node?.stop());

	it("`symbols` lists each active actor with its owner, seq and last price", async () => {
		await waitFor(() => node.broker.call<unknown[]>("symbols.actors").then(a => a.length === 2), { what: "two actors" });
		const [rows] = (await run(node, "symbols")) as Array<Array<Record<string, unknown>>>;
		expect(rows.map(r => r.symbol)).to.deep.equal(["AAPL", "MSFT"]);
		for (const r of rows) {
			expect(r.owner).to.equal("repl-test");
			expect(r.seq).to.be.a("number").greaterThan(0);
			expect(r.price).to.be.a("number").greaterThan(0);
		}
	});

	it("`owners` shows each symbol's owner, lease epoch and seq; `passivate` drops one; `rebalance` moves none on one node", async () => {
		await waitFor(() => node.broker.call<unknown[]>("symbols.actors").then(a => a.length === 2), { what: "two actors" });
		const [rows] = (await run(node, "owners")) as Array<Array<Record<string, unknown>>>;
		expect(rows.map(r => [r.symbol, r.owner])).to.deep.equal([
			["AAPL", "repl-test"],
			["MSFT", "repl-test"],
		]);
		expect(rows[0].epoch).to.be.a("number").greaterThan(0);
		const out = await run(node, "passivate", { symbol: "msft" });
		expect(out).to.deep.equal(["MSFT: passivated on repl-test"]);
		expect((await node.deps.store.getLease("MSFT")) === null || (await node.deps.store.getLease("MSFT"))!.epoch > (rows[1].epoch as number)).to.equal(true);
		const [reb] = (await run(node, "rebalance")) as Array<Array<Record<string, unknown>>>;
		expect(reb[0]).to.include({ node: "repl-test", moved: 0 });
	});

	it("`agents` shows each agent's health, utilization, queued calls and breaker (Moleculer's, per node)", async () => {
		const [rows] = (await run(node, "agents")) as Array<Array<Record<string, unknown>>>;
		expect(rows.map(r => r.agent)).to.deep.equal(["sentiment", "forecast", "explain", "strategy"]);
		for (const r of rows) expect(r).to.include({ health: 1, utilization: 0, queued: 0, breaker: "closed", nodes: "repl-test (builtin, closed)" });
	});

	it("`actors` counts keys per node for each keyed-actor service, and lists one service's keys with their lease epochs", async () => {
		await waitFor(() => node.broker.call<unknown[]>("symbols.actors").then(a => a.length === 2), { what: "two actors" });
		// Ingest's feeds: each of the 2 symbols for each of the 5 data workers (mixins/ingest-feeds.mixin.ts).
		await waitFor(() => node.broker.call<unknown[]>("ingest.actors").then(a => a.length === 10), { what: "ten ingest feeds" });
		const [counts] = (await run(node, "actors")) as Array<Array<Record<string, unknown>>>;
		expect(counts).to.deep.equal([
			{ service: "symbols", node: "repl-test", keys: 2 },
			{ service: "ingest", node: "repl-test", keys: 10 },
		]);
		const [rows] = (await run(node, "actors", { service: "symbols" })) as Array<Array<Record<string, unknown>>>;
		expect(rows.map(r => [r.symbol, r.owner])).to.deep.equal([
			["AAPL", "repl-test"],
			["MSFT", "repl-test"],
		]);
		for (const r of rows) expect(r.epoch).to.be.a("number").greaterThan(0);
		expect(await run(node, "actors", { service: "gateway" })).to.deep.equal(["gateway is not a keyed-actor service (they are: symbols, intelligence, patterns, ingest)"]);
	});

	it("`feeds` shows the synthetic feed running and counting", async () => {
		await waitFor(async () => ((await node.broker.call<Array<{ accepted: number }>>("ingest.feeds"))[0]?.accepted ?? 0) > 0, { what: "accepted ticks" });
		const [rows] = (await run(node, "feeds")) as Array<Array<Record<string, unknown>>>;
		expect(rows).to.have.length(1);
		expect(rows[0]).to.include({ node: "repl-test", feed: "synthetic", state: "running", symbols: 2, errors: 0 });
		expect(rows[0].accepted as number).to.be.greaterThan(0);
	});
});
