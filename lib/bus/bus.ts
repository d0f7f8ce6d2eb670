/**
 * Fan-out of published updates to whoever listens on this node. Embedded mode uses `LocalBus`;
 * cluster mode uses `NatsBus`, so a gateway receives a symbol's updates wherever its owner runs,
 * and teams can subscribe to the same subjects from any language.
 */
import type { Hops } from "../metrics/stages.ts";

/** `hops`: the latency stamps a publisher attached (lib/metrics/stages.ts), beside the message, never in it. */
export type BusHandler = (msg: unknown, subject: string, hops?: Hops) => void;

export interface Bus {
	readonly kind: "local" | "nats";
	/** `hops` travel beside the message (a NATS header): subscribers that do not look see the same JSON. */
	publish(subject: string, msg: object, hops?: Hops): void;
	/**
	 * Returns the function that ends the subscription. With `queue`, each message goes to one
	 * subscriber of the group (NATS queue groups), e.g. one of several ingest nodes. With
	 * `decode: false` the handler may get the message undecoded (only its arrival is wanted).
	 */
	subscribe(subject: string, handler: BusHandler, opts?: { queue?: string; decode?: boolean }): () => void;
	/**
	 * Tells `listener` when the connection is lost (false) and back (true); absent on a bus that
	 * cannot lose messages. Returns the function that stops telling.
	 */
	onStatus?(listener: (up: boolean) => void): () => void;
	/**
	 * Told when a subscriber on this node threw while the bus was delivering to it (the bus
	 * catches it: a subscriber's failure is never the publisher's); absent where the bus does not catch.
	 */
	onHandlerError?: ((err: unknown) => void) | null;
	/** Resolves once every message published so far has left this process. */
	flush(): Promise<void>;
	close(): Promise<void>;
}
