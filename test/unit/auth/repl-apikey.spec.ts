/** The REPL `apikey` command on a real node: create (shown once), list, revoke; the key then works over HTTP. */
import { expect } from "chai";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { replCommands } from "../../../runtime/repl-commands.ts";

async function run(node: TestNode, args: Record<string, unknown>): Promise<unknown[]> {
	const printed: unknown[] = [];
	const { table, log } = console;
	console.table = (rows: unknown) => printed.push(rows);
	console.log = (line: unknown) => printed.push(line);
	try {
		await replCommands.find(c => c.command.startsWith("apikey "))!.action(node.broker, args);
	} finally {
		Object.assign(console, { table, log });
	}
	return printed;
}

describe("REPL apikey", () => {
	let node: TestNode;
	before(async () => {
		node = await startNode({ nodeId: "repl-keys", services: ["gateway", "monitor"] });
	});
	after(async () => node?.stop());

	it("creates, lists and revokes keys; a created key authenticates over HTTP and ends development mode", async () => {
		const [created] = (await run(node, { op: "create", name: "ops", tier: "pro", options: { admin: true } })) as string[];
		const key = /(rk_\S+)/.exec(created)![1];
		const id = /API key ([0-9a-f]{16})/.exec(created)![1];
		expect(created).to.include("pro, admin");
		const base = node.base;
		expect((await fetch(`${base}/api/v1/streaming/pairs`)).status, "anonymous, once a key exists").to.equal(401);
		expect((await fetch(`${base}/api/v1/streaming/pairs`, { headers: { "x-api-key": key } })).status).to.equal(200);
		const [rows] = (await run(node, { op: "list" })) as Array<Array<Record<string, unknown>>>;
		expect(rows).to.have.length(1);
		expect(rows[0]).to.include({ id, name: "ops", tier: "pro", roles: "admin" });
		expect(await run(node, { op: "revoke", name: id })).to.deep.equal([`API key ${id} revoked`]);
		expect(await run(node, { op: "list" })).to.deep.equal(["No API keys (development mode if no JWT key is configured either)."]);
	});
});
