/**
 * HTTP load generator, run as its own process (bench/gateway.ts spawns it) so it does not share an
 * event loop with the server it measures. `CONNECTIONS` keep-alive sockets each send one GET, read
 * the whole answer (Content-Length or chunked framing) and send the next, for `SECONDS`. Raw sockets keep the
 * client's own cost per request small, so on a small machine most of the CPU goes to the server.
 * Prints one JSON line: {requests, seconds, rps, p50, p99, errors, statuses}.
 * Run: node --import tsx bench/http-load.ts <url> [connections] [seconds]
 */
import net from "node:net";

const [url, connArg, secArg] = process.argv.slice(2);
if (!url) {
	console.error("usage: http-load.ts <url> [connections] [seconds]");
	process.exit(2);
}
const CONNECTIONS = Number(connArg ?? 32);
const SECONDS = Number(secArg ?? 4);
const target = new URL(url);
const REQUEST = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`);
const HEADER_END = Buffer.from("\r\n\r\n");
const LAST_CHUNK = Buffer.from("\r\n0\r\n\r\n");

const latencies: number[] = [];
const statuses: Record<string, number> = {};
let errors = 0;

/** One keep-alive connection sending requests back to back until `end`. */
function connection(end: number): Promise<void> {
	return new Promise(resolve => {
		const socket = net.connect(Number(target.port), target.hostname);
		socket.setNoDelay(true);
		let buf = Buffer.alloc(0);
		let sentAt = 0;
		const send = () => {
			if (performance.now() >= end) return void socket.end();
			sentAt = performance.now();
			socket.write(REQUEST);
		};
		socket.on("connect", send);
		socket.on("data", chunk => {
			buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
			for (;;) {
				const h = buf.indexOf(HEADER_END);
				if (h < 0) return;
				const head = buf.subarray(0, h).toString("latin1");
				const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
				let total: number;
				if (len) total = h + 4 + Number(len[1]);
				else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
					// Chunked: the answer ends with the zero-size chunk.
					const last = buf.indexOf(LAST_CHUNK, h + 2);
					if (last < 0) return;
					total = last + LAST_CHUNK.length;
				} else {
					errors++;
					return void socket.destroy(new Error(`answer without Content-Length or chunked framing: ${head.split("\r\n")[0]}`));
				}
				if (buf.length < total) return;
				const status = head.slice(9, 12);
				statuses[status] = (statuses[status] ?? 0) + 1;
				if (status !== "200") errors++;
				latencies.push(performance.now() - sentAt);
				buf = buf.subarray(total);
				send();
			}
		});
		socket.on("error", err => {
			errors++;
			if (errors <= 3) console.error(`http-load: ${err.message}`);
		});
		socket.on("close", () => resolve());
	});
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const t0 = performance.now();
await Promise.all(Array.from({ length: CONNECTIONS }, () => connection(t0 + SECONDS * 1000)));
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ requests: latencies.length, seconds, rps: latencies.length / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), errors, statuses }));
