/**
 * fast-check arbitraries for the fuzz suite (test/security/fuzz.spec.ts). Bodies and frames are
 * generated as JSON *text*, not as values: what an attacker sends is text, and some traps only exist
 * as text — `{"toString":"x"}` decodes to an object whose `toString` is a string (String(x) throws),
 * `1e400` decodes to Infinity, `"\ud800"` to a lone surrogate, `{"__proto__":…}` to an own key.
 */
import fc from "fast-check";
import { API_ALIASES, ROOT_ALIASES } from "../../lib/routing/routes.ts";

/** Keys that turn a plain object into a trap for code that calls its methods or merges it. */
export const TRAP_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "toJSON", "hasOwnProperty", "then", "length", "Symbol.iterator"];
/** Field names the routes and frames read, so a trap lands where it is looked at. */
const FIELD_KEYS = [
	"symbol",
	"price",
	"size",
	"ts",
	"side",
	"op",
	"topics",
	"since",
	"token",
	"url",
	"timeoutMs",
	"enabled",
	"symbols",
	"interval_ms",
	"options",
	"custom_config",
	"data_type",
	"name",
	"tier",
	"roles",
	"channels",
	"data_types",
	"body",
	"limit",
	"from",
	"to",
	"tf",
	"headline",
	"text",
];

const NASTY_NUMBERS = [
	"1e400",
	"-1e400",
	"1e-400",
	"-0",
	"0e0",
	"1E+308",
	"1.7976931348623157e308",
	"-1.7976931348623157e308",
	"5e-324",
	"9007199254740993",
	"123456789012345678901234567890123456789",
	"0.1e1",
	"1e21",
	"-1",
	"0",
	"4294967296",
];
const NASTY_STRINGS = [
	"",
	"\u0000",
	"AAPL\n",
	"AAPL\r\nX-Injected: 1",
	" AAPL ",
	"aapl",
	"ＡＡＰＬ",
	"A\u0301",
	"\u202eLPAA",
	"💥",
	"\ud800",
	"\udfff\ud800",
	"../../../etc/passwd",
	"%00",
	"%E0%A4%A",
	"ticks:*",
	"ticks:AAPL",
	"bars:1m:AAPL",
	"intel:x",
	"__proto__",
	"constructor",
	"toString",
	"http://[",
	"http://x:99999/",
	"http://u:p@h/?api_key=k",
	"javascript:alert(1)",
	"<script>alert(1)</script>",
	"'; DROP TABLE x; --",
	"${jndi:ldap://x}",
	"x".repeat(5000),
];

const numberText = fc.oneof(
	fc.constantFrom(...NASTY_NUMBERS),
	fc.double({ noNaN: true, noDefaultInfinity: true }).map(d => JSON.stringify(d)),
	fc.integer().map(String),
);
const stringText = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 })).map(s => JSON.stringify(s));
const keyText = fc.oneof(fc.constantFrom(...TRAP_KEYS), fc.constantFrom(...FIELD_KEYS), fc.string({ unit: "binary", maxLength: 12 })).map(k => JSON.stringify(k));

/** Deep nesting as text (what a recursive parser, validator or JSON.stringify trips on). */
export const deepText = fc.record({ depth: fc.integer({ min: 30, max: 12_000 }), kind: fc.constantFrom("array", "object", "mixed") }).map(({ depth, kind }) => {
	if (kind === "array") return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
	if (kind === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
	return `${'[{"a":'.repeat(depth)}1${"}]".repeat(depth)}`;
});

/** Any JSON value as text, biased to the values above. */
export const valueText: fc.Arbitrary<string> = fc.letrec<{ value: string }>(tie => ({
	value: fc.oneof(
		{ maxDepth: 3, depthSize: "small", withCrossShrink: true },
		numberText,
		stringText,
		fc.constantFrom("true", "false", "null"),
		fc.array(tie("value"), { maxLength: 4 }).map(items => `[${items.join(",")}]`),
		fc.array(fc.tuple(keyText, tie("value")), { maxLength: 4 }).map(kvs => `{${kvs.map(([k, v]) => `${k}:${v}`).join(",")}}`),
		deepText,
	),
})).value;

/** An object whose listed fields are valid-ish and one or more replaced by a nasty value. */
export function objectText(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
	const names = Object.keys(fields);
	return fc
		.record({
			values: fc.record(Object.fromEntries(names.map(n => [n, fc.oneof({ weight: 3, arbitrary: fields[n] }, { weight: 2, arbitrary: valueText })]))),
			drop: fc.subarray(names, { maxLength: Math.min(2, names.length) }),
			extra: fc.array(fc.tuple(keyText, valueText), { maxLength: 2 }),
		})
		.map(({ values, drop, extra }) => {
			const parts = names.filter(n => !drop.includes(n)).map(n => `${JSON.stringify(n)}:${(values as Record<string, string>)[n]}`);
			return `{${[...parts, ...extra.map(([k, v]) => `${k}:${v}`)].join(",")}}`;
		});
}

const j = (v: unknown) => fc.constant(JSON.stringify(v));
const tickText = objectText({ symbol: fc.constantFrom('"FZ"', '"FZB"'), price: j(101.5), size: j(10), ts: fc.constant(String(Date.now())) });

/** Text that is not JSON, or JSON cut short (a truncated body). */
export const brokenText = fc.oneof(
	fc.string({ unit: "binary", maxLength: 200 }),
	fc.tuple(valueText, fc.nat()).map(([t, n]) => t.slice(0, t.length > 1 ? n % t.length : 0)),
	fc.constantFrom("", "{", "[", '{"a":', '"unterminated', "nul", "{'a':1}", "[1,]", "\ufeff{}", "{}\u0000", "{}{}", "NaN", "Infinity", "undefined"),
);

/** Any body: nasty JSON, a near-valid object for the route, or broken text. */
export const bodyText = fc.oneof(
	{ weight: 3, arbitrary: valueText },
	{
		weight: 3,
		arbitrary: fc.oneof(
			tickText,
			fc.array(tickText, { maxLength: 5 }).map(ts => `[${ts.join(",")}]`),
		),
	},
	{ weight: 2, arbitrary: objectText({ url: j("http://127.0.0.1:1"), timeoutMs: j(5000), enabled: j(true) }) },
	{ weight: 2, arbitrary: objectText({ symbol: j("FZI"), custom_config: valueText }) },
	{ weight: 2, arbitrary: objectText({ symbols: j(["FZ"]), interval_ms: j(60_000), options: j({}) }) },
	{ weight: 1, arbitrary: objectText({ channels: j(["ticks"]), data_types: j(["ticks"]), symbols: j(["FZ"]) }) },
	{ weight: 2, arbitrary: brokenText },
	{ weight: 2, arbitrary: fc.tuple(fc.constantFrom(...FIELD_KEYS), deepText).map(([k, d]) => `{${JSON.stringify(k)}:${d}}`) },
	{
		weight: 1,
		arbitrary: fc.constantFrom(
			'{"__proto__":{"roles":["admin"]},"symbol":"FZ","price":1,"size":1}',
			'{"constructor":{"prototype":{"x":1}},"symbols":["FZ"]}',
			'[{"symbol":{"toString":"x"},"price":1,"size":1}]',
			'{"url":{"toString":"x"}}',
			'{"timeoutMs":1e400}',
			'[{"symbol":"FZ","price":1e400,"size":1}]',
			'[{"symbol":"FZ","price":1e308,"size":1e308}]',
		),
	},
);

/** A path segment: plausible, nasty (unicode, control characters, traversal), or malformed escapes. */
export const segment = fc.oneof(
	fc.constantFrom("FZ", "AAPL", "explain", "llama_explanation", "market_data", "news", "1m", "x", "%", "%zz", "%E0%A4%A", "%00", "..", "%2e%2e", "%2F", "__proto__", "constructor"),
	fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: "binary", maxLength: 20 })).map(s => {
		try {
			return encodeURIComponent(s);
		} catch {
			return "%ED%A0%80"; // a lone surrogate, as UTF-8 would (not) encode it
		}
	}),
);

/** A query string with fuzzed names and values, some repeated. */
export const queryText = fc
	.array(fc.tuple(fc.constantFrom("limit", "offset", "from", "to", "tf", "topics", "since", "token", "api_key", "data_type", "__proto__", "x"), segment), { maxLength: 4 })
	.map(ps => (ps.length ? `?${ps.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));

const ROUTES = [...Object.keys(API_ALIASES).map(r => ({ r, prefix: "/api/v1/" })), ...Object.keys(ROOT_ALIASES).map(r => ({ r, prefix: "/" }))]
	// Creating an API key would end development mode, and every later case would be a 401; data
	// workers started again would write ticks on their own schedule, which a refused write did not.
	.filter(({ r }) => r !== "POST auth/keys" && !/workers.*start/.test(r))
	.map(({ r, prefix }) => {
		const [method, path] = r.split(" ");
		return { method, path: prefix + path };
	});
ROUTES.push({ method: "POST", path: "/api/v1/ticks" }, { method: "GET", path: "/api/v1/stream" }, { method: "POST", path: "/streaming/subscribe/sse" });

export interface RestCase {
	method: string;
	path: string;
	body: string | null;
	contentType: string;
}

/** A request to a real route (its `:params` fuzzed), sometimes with another method, with a body. */
export const restCase: fc.Arbitrary<RestCase> = fc
	.record({
		route: fc.constantFrom(...ROUTES),
		otherMethod: fc.option(fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"), { freq: 4 }),
		params: fc.array(segment, { minLength: 3, maxLength: 3 }),
		query: queryText,
		body: bodyText,
		contentType: fc.constantFrom("application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"),
	})
	.map(({ route, otherMethod, params, query, body, contentType }) => {
		let i = 0;
		const path = route.path.replace(/:[a-z_A-Z]+/g, m => (i < params.length && params[i] !== "" ? params[i++] : m === ":symbol" ? "FZ" : "x"));
		const method = otherMethod ?? route.method;
		return { method, path: path + query, body: method === "GET" || method === "HEAD" ? null : body, contentType };
	});

/** Request targets for raw request lines: absolute forms, bad hosts and ports, bad escapes, control bytes. */
export const requestTarget = fc.oneof(
	fc.constantFrom(
		"http://[",
		"http://x:99999/ws",
		"http://[::1]:0/ws",
		"http://user:pw@x/ws",
		"http:///ws",
		"ws://x/ws",
		"//ws",
		"/ws?%",
		"/ws?topics=%zz",
		"/ws/%zz",
		"/ws/intelligence/%00",
		"/streaming/ws/%ff",
		"/ws?topics=ticks:AAPL&since=1e400",
		"/ws?topics=" + "ticks:A,".repeat(2000),
		"*",
		"/ws#frag",
		"/ws/../../etc/passwd",
		"/api/v1/symbols/%0A/latest",
		"/api/v1/stream?topics=ticks:%00",
		"/health/live",
	),
	fc.tuple(fc.constantFrom("/ws", "/ws/", "/ws/ticks/", "/ws/intelligence/", "/api/v1/symbols/", "/api/v1/stream?topics=", "http://h/ws?x=", "/streaming/ws/"), fc.string({ unit: "binary", maxLength: 30 })).map(([p, s]) => p + s),
);

/** A raw WS upgrade request for `target`, with fuzzed handshake headers. */
export const upgradeRequest = fc
	.record({
		target: requestTarget,
		key: fc.oneof(fc.constant("dGhlIHNhbXBsZSBub25jZQ=="), fc.constantFrom("", "short", "x".repeat(300), "dGhlIHNhbXBsZSBub25jZQ==,dGhlIHNhbXBsZSBub25jZQ==")),
		version: fc.constantFrom("13", "13", "8", "", "abc", "13, 13"),
		origin: fc.option(fc.constantFrom("https://evil.example", "null", "http://[", "\u00ff", "x".repeat(2000)), { nil: null }),
		host: fc.constantFrom("x", "127.0.0.1", "", "[", "x:99999"),
		extra: fc.option(
			fc.constantFrom("Last-Event-ID: ticks:AAPL/", "Sec-WebSocket-Protocol: a,,b", "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99", "Authorization: Bearer x.y.z", "Authorization: Basic", "X-API-Key: rk_x"),
			{ nil: null },
		),
	})
	.map(({ target, key, version, origin, host, extra }) => {
		const lines = [`GET ${target} HTTP/1.1`, `Host: ${host}`, "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Key: ${key}`, `Sec-WebSocket-Version: ${version}`];
		if (origin !== null) lines.push(`Origin: ${origin}`);
		if (extra !== null) lines.push(extra);
		return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
	});

/** A raw plain HTTP request (no upgrade) with a fuzzed request line. */
export const plainRequest = fc
	.record({ method: fc.constantFrom("GET", "HEAD", "OPTIONS", "POST", "DELETE", "TRACE", "CONNECT", "PRI", "G\u00e9T"), target: requestTarget, version: fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9") })
	.map(({ method, target, version }) => Buffer.from(`${method} ${target} ${version}\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, "latin1"));

const topicText = fc.oneof(
	fc.constantFrom("ticks:FZ", "bars:1m:FZ", "indicators:FZ", "signals:FZ", "news:FZ", "intel:x", "ticks:*", "ticks:", ":", "bars:9m:FZ").map(t => JSON.stringify(t)),
	valueText,
);
/** A WS frame a client might send: near-valid ones reach deep paths; traps where strings belong. */
export const wsFrameText = fc.oneof(
	{
		weight: 4,
		arbitrary: objectText({
			op: fc.constantFrom('"subscribe"', '"unsubscribe"', '"ping"', '"auth"', '"nope"'),
			topics: fc.array(topicText, { maxLength: 5 }).map(ts => `[${ts.join(",")}]`),
			since: objectText({ "ticks:FZ": numberText }),
			token: stringText,
		}),
	},
	{ weight: 2, arbitrary: valueText },
	{ weight: 1, arbitrary: deepText.map(d => `{"op":${d}}`) },
	{ weight: 1, arbitrary: deepText.map(d => `{"op":"subscribe","topics":${d}}`) },
	{ weight: 2, arbitrary: brokenText },
	{
		weight: 1,
		arbitrary: fc.constantFrom(
			'{"op":{"toString":"x"}}',
			'{"op":"subscribe","topics":[{"toString":"x"}]}',
			'{"op":"subscribe","topics":["ticks:FZ"],"since":{"ticks:FZ":{"valueOf":"x"}}}',
			'{"op":"auth","token":{"toString":1}}',
			'{"__proto__":{"op":"ping"}}',
			'{"op":"subscribe","topics":{"length":1e400}}',
		),
	},
);

/** Broken WebSocket frames at the protocol level (after a valid handshake), as raw bytes. */
export const rawWsFrame = fc.oneof(
	// a header promising more payload than is sent (the connection then ends)
	fc
		.record({ promised: fc.integer({ min: 2, max: 125 }), sent: fc.integer({ min: 0, max: 120 }) })
		.map(({ promised, sent }) => Buffer.concat([Buffer.from([0x81, 0x80 | promised, 1, 2, 3, 4]), Buffer.alloc(Math.min(sent, promised - 1), 0x61)])),
	// 64-bit length claiming 2^63 bytes
	fc.constant(Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])),
	// an unmasked client frame, a reserved opcode, RSV bits without an extension, a fragmented control frame
	fc.constantFrom(Buffer.from([0x81, 0x02, 0x7b, 0x7d]), Buffer.from([0x83, 0x80, 1, 2, 3, 4]), Buffer.from([0xf1, 0x80, 1, 2, 3, 4]), Buffer.from([0x09, 0x80, 1, 2, 3, 4])),
	// invalid UTF-8 in a text frame
	fc.constant(maskedFrame(0x81, Buffer.from([0xc3, 0x28, 0xff]))),
	// a continuation with nothing to continue; a text frame left unfinished
	fc.constant(maskedFrame(0x80, Buffer.from("x"))),
	fc.constant(maskedFrame(0x01, Buffer.from('{"op":'))),
	// random bytes
	fc.uint8Array({ minLength: 1, maxLength: 64 }).map(a => Buffer.from(a)),
);

/** A masked client frame (mask 0): `op` is the first byte (FIN + opcode). */
export function maskedFrame(op: number, payload: Buffer): Buffer {
	if (payload.length > 125) throw new Error("short frames only");
	return Buffer.concat([Buffer.from([op, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** SSE requests: topic lists and `Last-Event-ID` values (long, bad numbers, unrelated topics). */
export const sseCase = fc.record({
	path: fc.oneof(
		queryText.map(q => `/api/v1/stream${q}`),
		fc.array(fc.oneof(fc.constantFrom("ticks:FZ", "bars:1m:FZ", "ticks:*", "intel:x", "", ":", "ticks:FZ/"), segment), { maxLength: 5 }).map(ts => `/api/v1/stream?topics=${ts.join(",")}`),
	),
	lastEventId: fc.option(
		fc.oneof(
			fc.constantFrom("ticks:FZ/", "ticks:FZ/1e400", "ticks:FZ/-1", "ticks:FZ/abc", "ticks:FZ/9007199254740993", "/", "ticks:FZ/1,ticks:FZ/2", "x".repeat(15_000), `${"ticks:Q/1,".repeat(1500)}ticks:FZ/1`),
			fc.string({ unit: fc.constantFrom(..."abcXYZ:/,0123456789 -.é"), maxLength: 80 }),
		),
		{ nil: null },
	),
	abortAfterHeaders: fc.boolean(),
});
export const sseBody = objectText({ channels: fc.constant('["ticks"]'), data_types: fc.constant('["ticks"]'), symbols: fc.constant('["FZ"]') });
