/**
 * `checks.transporter` of /health/ready (runtime/node-health.ts) against a fake of the nats.js 2.29
 * client with the same API: `status()` yields only events to come, so a client hooked late (the
 * probe hooks a client Moleculer made anew after a full reconnect) must start from its own state.
 * Before, a link started `up` and a client cut off before the first probe read as connected.
 * The real-NATS case (server killed and restarted) is test/integration/gateway-health.spec.ts.
 */
import { expect } from "chai";
import type { ServiceBroker } from "moleculer";
import { transporterConnected, watchTransporter } from "../../../runtime/node-health.ts";

/** A NATS client's status events, fed by the test; `push` resolves once the consumer has taken the event. */
function statusFeed() {
	const queued: Array<{ type: string }> = [];
	let wake: (() => void) | null = null;
	let taken: Array<() => void> = [];
	return {
		push(type: string): Promise<void> {
			queued.push({ type });
			wake?.();
			return new Promise(resolve => taken.push(resolve));
		},
		async *iterate(): AsyncGenerator<{ type: string }> {
			for (;;) {
				const ready = taken;
				taken = [];
				for (const r of ready) r();
				while (queued.length === 0) await new Promise<void>(resolve => (wake = resolve));
				wake = null;
				yield queued.shift()!;
			}
		},
	};
}

/** A fake nats.js client: `connected` (the protocol handler's flag) is left out when `withFlag` is false. */
function natsClient(state: { connected: boolean; info?: unknown; closed?: boolean }, withFlag: boolean) {
	const feed = statusFeed();
	const client = {
		status: () => feed.iterate(),
		isClosed: () => state.closed === true,
		get info() {
			return state.info;
		},
		...(withFlag
			? {
					protocol: {
						get connected() {
							return state.connected;
						},
					},
				}
			: {}),
	};
	const broker = { transit: { connected: true, tx: { client } } } as unknown as ServiceBroker;
	return { broker, feed };
}

describe("runtime/node-health: the transporter's NATS connection for readiness", () => {
	it("a client cut off before the first probe hooks it reads as not connected, then connected once it is back", async () => {
		// Moleculer's transit.connected is still true; the client dropped and is dialling again.
		const state = { connected: false, info: undefined as unknown };
		const { broker, feed } = natsClient(state, true);
		expect(transporterConnected(broker)).to.equal(false);
		expect(transporterConnected(broker)).to.equal(false);
		state.connected = true;
		state.info = { server_id: "n1" };
		await feed.push("reconnect");
		expect(transporterConnected(broker)).to.equal(true);
		state.connected = false;
		await feed.push("disconnect");
		expect(transporterConnected(broker)).to.equal(false);
	});

	it("hooked when the transporter connects, before any probe: follows the client's events", async () => {
		// Without the handler's flag, so only the events can tell.
		const { broker, feed } = natsClient({ connected: true, info: { server_id: "n1" } }, false);
		watchTransporter(broker);
		await feed.push("disconnect");
		expect(transporterConnected(broker)).to.equal(false);
		await feed.push("reconnect");
		expect(transporterConnected(broker)).to.equal(true);
	});

	it("a client without the protocol handler's flag starts from whether it has a server's INFO, then follows its events", async () => {
		const state = { connected: false, info: undefined as unknown };
		const { broker, feed } = natsClient(state, false);
		expect(transporterConnected(broker)).to.equal(false);
		await feed.push("reconnect");
		expect(transporterConnected(broker)).to.equal(true);
		await feed.push("disconnect");
		expect(transporterConnected(broker)).to.equal(false);

		const connected = natsClient({ connected: true, info: { server_id: "n1" } }, false);
		expect(transporterConnected(connected.broker)).to.equal(true);
	});

	it("a closed client, or a transit not connected, is not connected", () => {
		expect(transporterConnected(natsClient({ connected: true, info: {}, closed: true }, true).broker)).to.equal(false);
		const { broker } = natsClient({ connected: true, info: {} }, true);
		(broker.transit as unknown as { connected: boolean }).connected = false;
		expect(transporterConnected(broker)).to.equal(false);
	});
});
