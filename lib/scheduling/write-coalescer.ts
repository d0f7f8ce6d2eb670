/**
 * One write to the network per connection per turn of the event loop. A bus message or a NATS
 * read holding many updates fans out to a client as many frames; each `ws.send` is otherwise its
 * own writev syscall, which on the 2-core bench box was a quarter of a gateway's CPU at 5,000
 * frames/s (bench/ingest.ts cluster phase, profiled); likewise each Redis command of a turn (the
 * appends of the symbols one request touched). (An HTTP response, so SSE, needs none: Node's
 * `res.write` already corks its socket until the next tick.) Corking the
 * connection at its first write and uncorking on `process.nextTick` sends the writes of one
 * callback, or of one run of promise continuations (how a NATS read's messages reach the bus),
 * in one writev. Nothing waits on a timer: a write leaves in the turn it was made in.
 *
 * Held bytes count as the connection's buffered amount, which the send queue reads as a slow
 * client; so at most `maxHeldBytes` are held: past that they go out at once.
 */

/** What can be held back: a net.Socket or a TLS socket. */
export interface Corkable {
	cork(): void;
	uncork(): void;
	readonly writableLength: number;
}

export class WriteCoalescer {
	#held = false;
	readonly #release = () => {
		this.#held = false;
		this.target.uncork();
	};

	constructor(
		readonly target: Corkable,
		readonly maxHeldBytes = 16 * 1024,
	) {}

	/** Run `write` (one frame onto the target) held with the rest of this turn's frames. */
	write(write: () => void): void {
		if (!this.#held) {
			this.#held = true;
			this.target.cork();
			process.nextTick(this.#release);
		}
		write();
		if (this.target.writableLength >= this.maxHeldBytes) {
			this.target.uncork();
			this.target.cork();
		}
	}
}
