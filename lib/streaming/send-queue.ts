/**
 * The bounded send queue of one connection (WebSocket or SSE). Frames go straight to the socket
 * while its own buffer is below `socketHighWater`; past that they wait here, bounded in bytes and
 * messages, and the tier's policy decides what happens when a slow client lets it fill:
 * `conflate` keeps only the newest frame per conflation key (topic), `drop-oldest` drops from the
 * front, `drop-newest` drops the frame being pushed, `random` drops queued frames picked at random
 * (both from seed 003's backpressure strategies), `disconnect` closes the connection (WS 4008). Memory per connection is therefore at most
 * socketHighWater + one frame + maxBytes, however slowly the client reads.
 */
import type { Hops } from "../metrics/stages.ts";

export const SLOW_CLIENT_POLICIES = ["conflate", "drop-oldest", "drop-newest", "random", "disconnect"] as const;
export type SlowClientPolicy = (typeof SLOW_CLIENT_POLICIES)[number];

export interface QueueLimits {
	maxBytes: number;
	maxMessages: number;
	policy: SlowClientPolicy;
}

export interface QueueSocket {
	/** Write one frame; `written` is called once the transport took it (then more may be sent). */
	send(text: string, written: () => void): void;
	/** Bytes handed to the transport and not yet written to the network. */
	bufferedAmount(): number;
}

export type DropReason = "conflated" | "drop-oldest" | "drop-newest" | "random" | "slow-consumer";

interface Queued {
	text: string;
	/** A stamped frame's latency stamps (lib/metrics/stages.ts), for `onSent`. */
	hops?: Hops;
}

export class SendQueue {
	/** Insertion-ordered; a conflatable frame is keyed by its conflation key, others by a counter. */
	#queue = new Map<string | number, Queued>();
	#bytes = 0;
	#next = 0;
	#closed = false;
	readonly #pump = () => this.#drain();
	/** Told when a stamped frame was written to the socket (a WebSocket's `ws.send` stage). */
	onSent: ((hops: Hops) => void) | null = null;

	constructor(
		readonly socket: QueueSocket,
		public limits: QueueLimits,
		readonly socketHighWater: number,
		/** Frames dropped (n of them), or the bound hit under `disconnect` (then the owner closes). */
		readonly onDrop: (reason: DropReason, n: number) => void,
		readonly onOverflowDisconnect: (reason: string) => void,
		/** Picks the frames `random` drops (injectable so tests are deterministic). */
		readonly random: () => number = Math.random,
	) {}

	get queuedBytes(): number {
		return this.#bytes;
	}

	get queuedMessages(): number {
		return this.#queue.size;
	}

	/**
	 * Queue one frame. `key` (a topic, or topic+timeframe) marks it as replaceable by a newer frame
	 * with the same key under `conflate`; frames without one (snapshots, control frames) are never
	 * replaced.
	 */
	push(text: string, key?: string, hops?: Hops): void {
		if (this.#closed) return;
		if (this.#queue.size === 0 && this.socket.bufferedAmount() < this.socketHighWater) {
			this.socket.send(text, this.#pump);
			if (hops && this.onSent) this.onSent(hops);
			return;
		}
		const { policy, maxBytes, maxMessages } = this.limits;
		if (policy === "conflate" && key !== undefined) {
			const old = this.#queue.get(key);
			if (old) {
				this.#queue.delete(key);
				this.#bytes -= old.text.length;
				this.onDrop("conflated", 1);
			}
		}
		if (this.#bytes + text.length > maxBytes || this.#queue.size + 1 > maxMessages) {
			if (policy === "disconnect") {
				this.close();
				this.onDrop("slow-consumer", 1);
				this.onOverflowDisconnect(`slow consumer: send queue over ${maxMessages} messages or ${maxBytes} bytes`);
				return;
			}
			const fits = () => this.#bytes + text.length <= maxBytes && this.#queue.size + 1 <= maxMessages;
			if (policy === "drop-newest") {
				this.onDrop("drop-newest", 1);
				return;
			}
			if (policy === "random") {
				if (text.length > maxBytes) return void this.onDrop("random", 1);
				let dropped = 0;
				while (this.#queue.size > 0 && !fits()) {
					// Uniform over the queue: walk to a random position (O(queue), only while it is full).
					let at = Math.floor(this.random() * this.#queue.size);
					for (const [k, q] of this.#queue) {
						if (at-- > 0) continue;
						this.#queue.delete(k);
						this.#bytes -= q.text.length;
						dropped++;
						break;
					}
				}
				this.onDrop("random", dropped);
				this.#queue.set(this.#next++, { text, hops });
				this.#bytes += text.length;
				return;
			}
			let dropped = 0;
			for (const [k, q] of this.#queue) {
				if (this.#bytes + text.length <= maxBytes && this.#queue.size + 1 <= maxMessages) break;
				this.#queue.delete(k);
				this.#bytes -= q.text.length;
				dropped++;
			}
			if (dropped) this.onDrop("drop-oldest", dropped);
			// A single frame larger than the whole bound cannot be queued at all.
			if (text.length > maxBytes) {
				this.onDrop("drop-oldest", 1);
				return;
			}
		}
		this.#queue.set(key !== undefined && policy === "conflate" ? key : this.#next++, { text, hops });
		this.#bytes += text.length;
	}

	#drain(): void {
		if (this.#closed) return;
		for (const [k, q] of this.#queue) {
			if (this.socket.bufferedAmount() >= this.socketHighWater) return;
			this.#queue.delete(k);
			this.#bytes -= q.text.length;
			this.socket.send(q.text, this.#pump);
			if (q.hops && this.onSent) this.onSent(q.hops);
		}
	}

	close(): void {
		this.#closed = true;
		this.#queue.clear();
		this.#bytes = 0;
	}
}
