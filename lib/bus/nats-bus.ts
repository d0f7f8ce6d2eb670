import { connect, Events, headers, JSONCodec, type ConnectionOptions, type NatsConnection } from "nats";
import type { Bus, BusHandler } from "./bus.ts";
import { decodeHops, encodeHops, type Hops } from "../metrics/stages.ts";

const codec = JSONCodec();
/** The header latency stamps travel in (lib/metrics/stages.ts); the JSON payload stays the documented one. */
export const HOPS_HEADER = "Rk-Hops";

/** Bus over a NATS connection of its own (the transporter's connection is Moleculer's). */
export class NatsBus implements Bus {
	readonly kind = "nats" as const;

	#statusListeners = new Set<(up: boolean) => void>();

	private constructor(readonly nc: NatsConnection) {
		void this.#watchStatus();
	}

	async #watchStatus(): Promise<void> {
		for await (const s of this.nc.status()) {
			const up = s.type === Events.Reconnect ? true : s.type === Events.Disconnect ? false : null;
			if (up === null) continue;
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
		const nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 2000, ...extra });
		return new NatsBus(nc);
	}

	publish(subject: string, msg: object, hops?: Hops): void {
		if (hops === undefined) return this.nc.publish(subject, codec.encode(msg));
		const h = headers();
		h.set(HOPS_HEADER, encodeHops(hops));
		this.nc.publish(subject, codec.encode(msg), { headers: h });
	}

	subscribe(subject: string, handler: BusHandler, opts: { queue?: string; decode?: boolean } = {}): () => void {
		const decode = opts.decode !== false;
		const sub = this.nc.subscribe(subject, {
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
		return () => sub.unsubscribe();
	}

	async flush(): Promise<void> {
		await this.nc.flush();
	}

	async close(): Promise<void> {
		await this.nc.drain().catch(() => this.nc.close());
	}
}
