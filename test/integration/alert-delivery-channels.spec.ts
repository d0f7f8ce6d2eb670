/**
 * What Rookery relies on in @moleculer/channels 0.1.8 (middlewares/channels.middleware.ts), against
 * a real redis-server, side by side with the unchanged middleware:
 * - unchanged, a service that sends from `started()` fails ("Adapter not yet connected"); with
 *   the hook run as `starting` the send works and the message is consumed;
 * - once stopping, the Redis adapter's publish does nothing and says nothing; `sendReliably` throws;
 * - a message whose handler keeps throwing is moved to the channel's dead-letter stream after
 *   `maxRetries` deliveries, and the alert-delivery path stores it once however often it is moved.
 */
import { expect } from "chai";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { Channels, UnpatchedChannels, assertChannelsVersion, sendReliably, type ChannelsOptions } from "../../middlewares/channels.middleware.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";
import { MemoryKv } from "../../lib/kv/index.ts";
import { DeliveryStore } from "../../lib/alerts/delivery/delivery-store.ts";
import { Deliverer } from "../../lib/alerts/delivery/deliverer.ts";
import { DEFAULT_ALERT_DELIVERY } from "../../lib/alerts/delivery/config.ts";
import { deliveryMessage } from "../helpers/alert-delivery.ts";

type Sending = { sendToChannel(c: string, p: unknown): Promise<void> };

describe("@moleculer/channels 0.1.8 as Rookery uses it (Redis)", function () {
	this.timeout(60_000);
	let redis: TestServer;
	const brokers: ServiceBroker[] = [];
	const opts = (): ChannelsOptions => ({ redisUrl: redis.url, claimIdleMs: 300, maxRetries: 2 });
	const broker = (nodeID: string, mw: unknown): ServiceBroker => {
		const b = new ServiceBroker({ nodeID, namespace: `ch-${process.pid}`, logger: false, middlewares: [mw as never] });
		brokers.push(b);
		return b;
	};

	before(async () => {
		redis = await startRedis();
	});
	after(async () => {
		for (const b of brokers) await b.stop().catch(() => {});
		await redis?.stop();
	});

	it("is the pinned version", () => {
		expect(() => assertChannelsVersion()).not.to.throw();
	});

	const senderAndConsumer = (got: unknown[], channel: string): ServiceSchema =>
		({
			name: "starter",
			channels: { [channel]: { group: "g", handler: (m: unknown) => void got.push(m) } },
			async started() {
				await (this.broker as unknown as Sending).sendToChannel(channel, { hello: "from started()" });
			},
		}) as ServiceSchema;

	it("unchanged: sending from a service's started() fails; with the hook as `starting` it is delivered", async () => {
		const gotA: unknown[] = [];
		const a = broker("unpatched", UnpatchedChannels(opts()));
		a.createService(senderAndConsumer(gotA, "ch.started.a"));
		let error: Error | null = null;
		await a.start().catch((err: Error) => (error = err));
		expect(error, "the unchanged middleware's failure").not.to.equal(null);
		expect(String(error)).to.match(/not yet connected/i);

		const gotB: unknown[] = [];
		const b = broker("patched", Channels(opts()));
		b.createService(senderAndConsumer(gotB, "ch.started.b"));
		await b.start();
		await waitFor(() => gotB.length === 1, { what: "the message sent from started()" });
		expect(gotB).to.deep.equal([{ hello: "from started()" }]);
	});

	it("a stopped adapter drops a send silently; sendReliably refuses it", async () => {
		const b = broker("stopping", Channels(opts()));
		b.createService({ name: "quiet" });
		await b.start();
		await b.stop();
		await (b as unknown as Sending).sendToChannel("ch.after-stop", { lost: true });
		let error: Error | null = null;
		await sendReliably(b, "ch.after-stop", { lost: false }).catch((err: Error) => (error = err));
		expect(String(error)).to.match(/not connected/);
	});

	it("moves a message whose handler keeps throwing to the dead-letter stream; stored once", async () => {
		const attempts: unknown[] = [];
		const moved: unknown[] = [];
		const kv = new MemoryKv();
		const store = new DeliveryStore(kv, DEFAULT_ALERT_DELIVERY);
		const deliverer = new Deliverer({
			store,
			senders: {},
			record: async () => {},
			publish: async () => {},
			metrics: { outcome() {}, duplicate() {}, dropped() {} },
			config: DEFAULT_ALERT_DELIVERY,
			nodeId: "t",
			now: Date.now,
			random: Math.random,
		});
		// Two consumers in one group, as two nodes would be: 0.1.8 may move one message twice.
		for (const id of ["dlq-1", "dlq-2"]) {
			const b = broker(id, Channels(opts()));
			b.createService({
				name: "poison",
				channels: {
					"ch.poison": {
						group: "poison",
						deadLettering: { enabled: true, queueName: "ch.poison.failed" },
						handler: (m: unknown) => {
							attempts.push(m);
							throw new Error("always");
						},
					},
					"ch.poison.failed": {
						group: "poison",
						handler: async (m: Parameters<Deliverer["deadLetterPoison"]>[0]) => {
							moved.push(m);
							await deliverer.deadLetterPoison(m, "handler failed");
						},
					},
				},
			} as ServiceSchema);
			await b.start();
		}
		const msg = deliveryMessage("poison-1", { type: "webhook", url: "https://example.com/h", secret: "s" });
		await (brokers.at(-1) as unknown as Sending).sendToChannel("ch.poison", msg);
		await waitFor(() => moved.length >= 1, { what: "the message in the dead-letter stream", timeoutMs: 30_000 });
		expect(attempts.length).to.be.at.least(2);
		const dead = await store.deadLetters();
		expect(dead.map(d => d.id)).to.deep.equal([msg.delivery_id]);
		expect(dead[0].last_error).to.equal("handler failed");
		console.log(`      [channels] handler attempts before the move: ${attempts.length}; moves to the dead-letter stream: ${moved.length}`);
	});
});
