/**
 * The channel adapter of embedded mode: an in-process queue per (channel, group), at most
 * `maxInFlight` handlers running per group, consumers of a group taking turns. 0.1.8's own `Fake`
 * adapter rides on a balanced event with a bulkhead, whose queue (100 by default) drops what does
 * not fit and whose handler errors are only logged; here the bound is explicit (`maxQueue` per
 * group, policy `reject`: `sendToChannel` throws a retryable error and
 * `rookery_channels_rejected_total` counts it). Nothing survives the process (docs/alerts.md).
 */
import channels from "@moleculer/channels";
import { Errors, type ServiceBroker } from "moleculer";

type Logger = ServiceBroker["logger"];

const REJECTED_METRIC = "rookery.channels.rejected";

interface Chan {
	id: string;
	name: string;
	group: string;
	maxInFlight: number | null;
	handler(payload: unknown, raw: { payload: unknown; headers?: unknown }): Promise<unknown>;
}

interface Group {
	chans: Chan[];
	queue: Array<{ payload: unknown; headers?: unknown }>;
	active: number;
	turn: number;
}

/** What this adapter uses of 0.1.8's BaseAdapter (defaults, serializer, metrics registration). */
interface Base {
	broker: ServiceBroker;
	logger: Logger;
	opts: { maxInFlight: number };
	connected: boolean;
	serializer: { serialize(x: unknown): Buffer; deserialize(b: Buffer): unknown };
	init(broker: ServiceBroker, logger: Logger): void;
}
const BaseAdapter = channels.Adapters.Base as unknown as new (opts: object) => Base;

export class MemoryChannelAdapter extends BaseAdapter {
	readonly #groups = new Map<string, Map<string, Group>>();

	constructor(private readonly limits: { maxQueue: number }) {
		super({});
	}

	override init(broker: ServiceBroker, logger: Logger): void {
		super.init(broker, logger);
		if (broker.isMetricsEnabled()) broker.metrics.register({ type: "counter", name: REJECTED_METRIC, labelNames: ["channel"], description: "Messages refused by the in-process channel: its group's queue was full (embedded mode)" });
	}

	async connect(): Promise<void> {
		this.connected = true;
	}

	async disconnect(): Promise<void> {
		this.connected = false;
	}

	async subscribe(chan: Chan): Promise<void> {
		if (chan.maxInFlight == null) chan.maxInFlight = this.opts.maxInFlight;
		let groups = this.#groups.get(chan.name);
		if (!groups) this.#groups.set(chan.name, (groups = new Map()));
		let g = groups.get(chan.group);
		if (!g) groups.set(chan.group, (g = { chans: [], queue: [], active: 0, turn: 0 }));
		g.chans.push(chan);
		this.#drain(g);
	}

	async unsubscribe(chan: Chan): Promise<void> {
		const g = this.#groups.get(chan.name)?.get(chan.group);
		if (g) g.chans = g.chans.filter(c => c.id !== chan.id);
	}

	async publish(channelName: string, payload: unknown, opts: { headers?: unknown } = {}): Promise<void> {
		const groups = this.#groups.get(channelName);
		if (!groups) return;
		for (const g of groups.values()) {
			if (g.queue.length >= this.limits.maxQueue) {
				if (this.broker.isMetricsEnabled()) this.broker.metrics.increment(REJECTED_METRIC, { channel: channelName });
				throw new Errors.MoleculerRetryableError(`channel ${channelName} is full (${this.limits.maxQueue} queued)`, 503, "CHANNEL_FULL");
			}
		}
		for (const g of groups.values()) {
			// A copy per group, as a broker would hand out: handlers never share or change the sender's object.
			g.queue.push({ payload: this.serializer.deserialize(this.serializer.serialize(payload)), headers: opts.headers });
			this.#drain(g);
		}
	}

	#drain(g: Group): void {
		while (g.queue.length > 0 && g.chans.length > 0 && g.active < (g.chans[0].maxInFlight ?? 1)) {
			const msg = g.queue.shift()!;
			const chan = g.chans[g.turn++ % g.chans.length];
			g.active++;
			Promise.resolve()
				.then(() => chan.handler(msg.payload, msg))
				.catch((err: Error) => this.logger.error(`channel ${chan.name} (${chan.group}): handler failed, message dropped: ${err.message}`))
				.finally(() => {
					g.active--;
					this.#drain(g);
				});
		}
	}
}
