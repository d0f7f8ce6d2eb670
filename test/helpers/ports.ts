import net from "node:net";

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

/** Poll `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 25, what = "condition" } = {}): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	let lastErr: unknown;
	while (Date.now() < deadline) {
		try {
			const v = await check();
			if (v) return v as NonNullable<T>;
		} catch (err) {
			lastErr = err;
		}
		await new Promise(r => setTimeout(r, intervalMs));
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ""}`);
}

/** Resolves once something accepts TCP connections on the port. */
export function waitForPort(port: number, timeoutMs = 10_000): Promise<boolean> {
	return waitFor(
		() =>
			new Promise<boolean>(resolve => {
				const s = net.connect(port, "127.0.0.1");
				s.once("connect", () => (s.destroy(), resolve(true)));
				s.once("error", () => resolve(false));
			}),
		{ timeoutMs, what: `port ${port}` },
	);
}
