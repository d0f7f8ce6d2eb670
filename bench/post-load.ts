/**
 * POST load generator, run as its own process (bench/profile-ingest.ts spawns it) so the server's
 * profile holds only the server: 4 keep-alive clients each POST a pre-built 5,000-tick body over 10
 * symbols to /api/v1/ticks as soon as the last answered, for `seconds`. Prints one JSON line:
 * {ticksPerSec, posts, ticks}. Run: node --import tsx bench/post-load.ts <port> [seconds]
 */
import http from "node:http";

const [portArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const seconds = Number(secondsArg ?? 8);
const IN_FLIGHT = 4;
const BATCH = 5000;
const symbols = Array.from({ length: 10 }, (_, i) => `PROF${i}`);
const ts = Date.now();
const bodies = Array.from({ length: 8 }, (_, k) =>
	Buffer.from(JSON.stringify({ ticks: Array.from({ length: BATCH }, (_, i) => ({ symbol: symbols[i % 10], price: 100 + (((k * BATCH + i) * 7919) % 1000) / 100, size: 1 + (i % 500), ts })) })),
);
const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function post(body: Buffer): Promise<number> {
	return new Promise((resolve, reject) => {
		const req = http.request({ host: "127.0.0.1", port, path: "/api/v1/ticks", method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } }, res => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () =>
				res.statusCode === 200 ? resolve((JSON.parse(Buffer.concat(chunks).toString()) as { accepted: number }).accepted) : reject(new Error(`POST → ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`)),
			);
		});
		req.on("error", reject);
		req.end(body);
	});
}

let posts = 0;
let ticks = 0;
const t0 = performance.now();
const end = t0 + seconds * 1000;
await Promise.all(
	Array.from({ length: IN_FLIGHT }, async () => {
		while (performance.now() < end) {
			const accepted = await post(bodies[posts++ % bodies.length]);
			ticks += accepted;
		}
	}),
);
process.stdout.write(JSON.stringify({ ticksPerSec: Math.round(ticks / ((performance.now() - t0) / 1000)), posts, ticks }) + "\n");
agent.destroy();
