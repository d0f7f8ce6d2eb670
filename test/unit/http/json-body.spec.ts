/** The JSON body middleware marks what it parsed, so a handler can tell a request's own body from a caller's params. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { expect } from "chai";
import { isParsedBody, jsonBody } from "../../../lib/http/json-body.ts";

function parse(body: Buffer | string, strict = false): unknown {
	const req = { body } as IncomingMessage & { body?: unknown };
	let error: unknown;
	jsonBody(strict)(req, {} as ServerResponse, err => (error = err));
	if (error) throw error;
	return req.body;
}

describe("http: JSON bodies", () => {
	it("marks the objects and arrays it parsed, small or large, bytes or text, and nothing else", () => {
		const small = parse(Buffer.from('[{"symbol":"AAPL","price":1,"size":1,"ts":1}]'));
		const large = parse(Buffer.from(JSON.stringify({ ticks: Array.from({ length: 3000 }, (_, i) => ({ symbol: "AAPL", price: 1, size: i, ts: 1 })) })));
		const text = parse('{"a":1}');
		for (const body of [small, large, text]) expect(isParsedBody(body)).to.equal(true);
		expect(isParsedBody(JSON.parse('{"a":1}')), "an object it did not parse").to.equal(false);
		expect(isParsedBody(parse("5")), "a bare value").to.equal(false);
		expect(isParsedBody(null)).to.equal(false);
		expect(() => parse("[1,"), "bad JSON").to.throw(SyntaxError);
	});
});
