/**
 * The reproductions of issue 13 (and others found since), as cases of the fuzz suite's surfaces:
 * they run first on every run (fast-check `examples`), so a regression is found whatever the seed.
 */
import type { RestCase } from "./fuzz-arbitraries.ts";

const deep = (n: number, open = "[", close = "]") => `${open.repeat(n)}1${close.repeat(n)}`;
const upgrade = (target: string, extra = "") =>
	Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`, "latin1");
const json = "application/json";

export const REPROS: Record<string, unknown[]> = {
	// Item 1: one WS frame (String(op) on an object whose toString is a string; deep nesting; a trap in topics).
	"ws-protocol": [['{"op":{"toString":"x"}}'], [`{"op":${deep(30_000)}}`], ['{"op":"subscribe","topics":[{"toString":"x"}]}']],
	"ws-frames": [['{"op":{"toString":"x"}}'], [`{"op":${deep(30_000)}}`], ['{"op":"subscribe","topics":[{"toString":"x"}]}'], ['{"op":"subscribe","topics":["ticks:FZ"],"since":{"ticks:FZ":{"valueOf":"x"}}}']],
	// Item 2: one WS upgrade whose request target `new URL()` refuses; item 7: a foreign Origin.
	// Found by this suite: a malformed Authorization header on an upgrade (must be a 401, not a dropped socket).
	"ws-upgrade": [upgrade("http://["), upgrade("http://x:99999/ws"), upgrade("/ws", "Origin: https://evil.example\r\n"), upgrade("/ws", "Authorization: Basic\r\n")],
	"request-line": [
		Buffer.from("GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "latin1"),
		Buffer.from("HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "latin1"),
		Buffer.from("OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "latin1"),
	],
	rest: [
		// Item 3: nested JSON in an admin route's body (JSON.stringify in the error path).
		{ method: "POST", path: "/api/v1/config/instruments", body: `{"symbol":"FZI","custom_config":${deep(2600, '{"a":', "}")}}`, contentType: json },
		// Item 10: nesting past ~3,160 levels in any field.
		{ method: "POST", path: "/api/v1/ticks", body: `[{"symbol":${deep(3500)},"price":1,"size":1}]`, contentType: json },
		{ method: "POST", path: "/api/v1/intelligence/streams", body: `{"symbols":${deep(5000)}}`, contentType: json },
		// Item 8: a __proto__ key in a body.
		{ method: "POST", path: "/api/v1/ticks", body: '{"__proto__":{"roles":["admin"]},"symbol":"FZ","price":1,"size":1}', contentType: json },
		// Item 15: a partial PUT of agent settings; item 13: prices that overflow bar arithmetic.
		{ method: "PUT", path: "/api/v1/config/agents/explain", body: '{"timeoutMs":{"toString":"x"}}', contentType: json },
		{ method: "POST", path: "/api/v1/ticks", body: '[{"symbol":"FZ","price":1e400,"size":1}]', contentType: json },
		// Item 12: a symbol with a control character in the path.
		{ method: "GET", path: "/api/v1/symbols/FZ%0A/latest", body: null, contentType: json },
		// Item 11: OPTIONS and HEAD on GET routes.
		{ method: "OPTIONS", path: "/api/v1/symbols", body: null, contentType: json },
		{ method: "HEAD", path: "/health", body: null, contentType: json },
	] satisfies RestCase[],
	// Item 14: a 15 KB Last-Event-ID of unrelated topics; a position without a number.
	sse: [
		{ path: "/api/v1/stream?topics=ticks:FZ", lastEventId: `${"ticks:Q/1,".repeat(1500)}ticks:FZ/1`, abortAfterHeaders: false, body: null },
		{ path: "/api/v1/stream?topics=ticks:FZ", lastEventId: "ticks:FZ/", abortAfterHeaders: false, body: null },
	],
};
