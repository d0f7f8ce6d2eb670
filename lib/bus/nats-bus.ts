import { connect, Events, headers, JSONCodec, type ConnectionOptions, type NatsConnection } from "nats";
import type { Bus, BusHandler } from "./bus.ts";
import { LocalBus } from "./local-bus.ts";
import { decodeHops, encodeHops, type Hops } from "../metrics/stages.ts";

const codec = JSONCodec();
/** The header latency stamps travel in (lib/metrics/stages.ts); the JSON payload stays the documented one. */
export const HOPS_HEADER = "Rk-Hops";

/**
 * Bus over NATS connections of its own (the transporter's connection is Moleculer's).
 *
 * A message published here reaches this node's own plain subscribers directly, as on the
 * embedded LocalBus, not by a round trip through the NATS server: the publishing connection is
 * `noEcho`, so the server does not send it back. A symbol's owner publishing to the gateway next
 * to it then skips a hop and the server's scheduling (the cluster bench's `gateway.received`
 * stage: p50 0.8 / p99 6.5 ms). Queue groups (one receiver per message cluster-wide) live on a
 * second connection, which does get this node's messages, so the server still picks one receiver
 * among all nodes, this one included.
 */
export class NatsBus implements Bus {
	readonly kind = "nats" as const;
	readonly #local = new LocalBus();
	#statusListeners = new Set<(up: boolean) => void>();
	/** Connections currently lost (a listener hears `false` at the first, `true` when none is). */
	#down = new Set<NatsConnection>();
	/** Local subscribers that threw: theirs to fix, never the publisher's problem. */
	handlerFailures = 0;
	onHandlerError: ((err: unknown) => void) | null = null;

	private constructor(
		readonly nc: NatsConnection,
		readonly queues: NatsConnection,
	) {
		void this.#watchStatus(nc);
		void this.#watchStatus(queues);
	}

	async #watchStatus(conn: NatsConnection): Promise<void> {
		for await (const s of conn.status()) {
			const wasUp = this.#down.size === 0;
			if (s.type === Events.Disconnect) this.#down.add(conn);
			else if (s.type === Events.Reconnect) this.#down.delete(conn);
			else continue;
			const up = this.#down.size === 0;
			if (up === wasUp) continue;
			for (const l of this.#statusListeners) {
				try {
					l(up);
				} catch {
					// one listener's failure must not stop the others being told
				}
			}
		}
	}

	onStatus(listener: (up: boolean) => void): () => void {
		this.#statusListeners.add(listener);
		return () => this.#statusListeners.delete(listener);
	}

	/** `extra`: TLS and authenticator options (lib/config/tls.ts). */
	static async connect(url: string, name: string, extra: Partial<ConnectionOptions> = {}): Promise<NatsBus> {
		const opts = { servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 2000, ...extra };
		const [nc, queues] = await Promise.allSettled([connect({ ...opts, name, noEcho: true }), connect({ ...opts, name: `${name}-queues` })]);
		if (nc.status === "fulfilled" && queues.status === "fulfilled") return new NatsBus(nc.value, queues.value);
		// One connected and the other did not: close it rather than leave it reconnecting forever.
		for (const c of [nc, queues]) if (c.status === "fulfilled") await c.value.close().catch(() => {});
		throw (nc.status === "rejected" ? nc.reason : (queues as PromiseRejectedResult).reason) as Error;
	}

	publish(subject: string, msg: object, hops?: Hops): void {
		if (hops === undefined) this.nc.publish(subject, codec.encode(msg));
		else {
			const h = headers();
			h.set(HOPS_HEADER, encodeHops(hops));
			this.nc.publish(subject, codec.encode(msg), { headers: h });
		}
		this.#local.publish(subject, msg, hops);
	}

	subscribe(subject: string, handler: BusHandler, opts: { queue?: string; decode?: boolean } = {}): () => void {
		const decode = opts.decode !== false;
		const conn = opts.queue === undefined ? this.nc : this.queues;
		const sub = conn.subscribe(subject, {
			queue: opts.queue,
			callback: (err, m) => {
				if (err) return;
				if (!decode) return handler(undefined, m.subject);
				let data: unknown;
				try {
					data = codec.decode(m.data);
				} catch {
					return; // not ours: someone else published non-JSON on our subject
				}
				handler(data, m.subject, m.headers ? decodeHops(m.headers.get(HOPS_HEADER)) : undefined);
			},
		});
		if (opts.queue !== undefined) return () => sub.unsubscribe();
		const offLocal = this.#local.subscribe(subject, (msg, s, hops) => {
			try {
				handler(msg, s, hops);
			} catch (err) {
				this.handlerFailures++;
				this.onHandlerError?.(err);
			}
		});
		return () => {
			offLocal();
			sub.unsubscribe();
		};
	}

	async flush(): Promise<void> {
		await Promise.all([this.nc.flush(), this.queues.flush()]);
	}

	async close(): Promise<void> {
		await Promise.all([this.nc, this.queues].map(c => c.drain().catch(() => c.close())));
	}
}
