/** `--validate-only`: can this node reach the Redis and NATS it is configured for? One line a problem. */
import { Redis } from "ioredis";
import { connect } from "nats";
import type { RookeryConfig } from "./config.ts";
import { maskSecrets } from "./config.ts";
import { natsConnectOptions, redisTlsOptions } from "./tls.ts";

export async function checkConnectivity(config: RookeryConfig, timeoutMs = 2000): Promise<string[]> {
	const masked = maskSecrets(config);
	const problems: string[] = [];
	const checks: Promise<void>[] = [];
	if (config.redisUrl) {
		checks.push(
			(async () => {
				const r = new Redis(config.redisUrl!, { ...redisTlsOptions(config.tls), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
				// The socket error (ECONNREFUSED, ETIMEDOUT, ENOTFOUND) says why; connect() itself
				// only rejects with "Connection is closed."
				let cause: Error | undefined;
				r.on("error", (err: Error) => (cause ??= err));
				try {
					await r.connect();
					await r.ping();
				} catch (err) {
					problems.push(`redis: cannot reach ${masked.redisUrl}: ${(cause ?? (err as Error)).message}`);
				} finally {
					r.disconnect();
				}
			})(),
		);
	}
	if (config.transporter) {
		checks.push(
			(async () => {
				try {
					const nc = await connect({ servers: config.transporter!, timeout: timeoutMs, reconnect: false, ...natsConnectOptions(config.tls) });
					await nc.close();
				} catch (err) {
					problems.push(`nats: cannot reach ${masked.transporter}: ${(err as Error).message}`);
				}
			})(),
		);
	}
	await Promise.all(checks);
	return problems;
}
