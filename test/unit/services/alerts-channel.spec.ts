/**
 * The alerts service's hand-off to delivery, over the real @moleculer/channels middleware (its
 * in-process Fake adapter): one message per webhook/email channel with a stable delivery id, marked
 * queued; a replayed update finds the alert stored and queues nothing again, unless its deliveries
 * were never marked queued (the owner died between storing and queuing): then they are queued again
 * with the same ids.
 */
import { expect } from "chai";
import { ServiceBroker } from "moleculer";
import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import alertsService from "../../../services/alerts.service.ts";
import { defaultConfig, mergeConfig } from "../../../lib/config/config.ts";
import { createStore } from "../../../lib/store/index.ts";
import { createKv } from "../../../lib/kv/index.ts";
import { LocalBus } from "../../../lib/bus/local-bus.ts";
import { AlertEngine } from "../../../lib/alerts/engine.ts";
import { StageRecorder } from "../../../lib/metrics/stages.ts";
import { AlertStore } from "../../../lib/alerts/alert-store.ts";
import { ALERT_DELIVERY_CHANNEL, type DeliveryMessage } from "../../../lib/alerts/types.ts";
import { waitFor } from "../../helpers/ports.ts";
import type { NodeDeps } from "../../../runtime/deps.ts";

const T0 = Date.parse("2026-01-05T10:00:00Z");

describe("services: alerts → delivery channel (@moleculer/channels, Fake adapter)", () => {
	let broker: ServiceBroker;
	let deps: NodeDeps;
	const got: DeliveryMessage[] = [];

	before(async () => {
		const config = mergeConfig(defaultConfig(), { nodeId: "alerts-channel", logLevel: "fatal", alerts: { system: { ...defaultConfig().alerts.system, enabled: false } } });
		deps = { config, store: createStore(null, { maxLen: 1000, latestTtlMs: 60_000 }), kv: createKv(null), bus: new LocalBus(), alerts: new AlertEngine(), stages: new StageRecorder(false), now: () => T0 };
		await deps.kv.connect();
		broker = new ServiceBroker({ nodeID: "alerts-channel", logger: false, metrics: { enabled: true, reporter: [] }, middlewares: [ChannelsMiddleware({ adapter: { type: "Fake" } } as never) as never] });
		broker.createService(alertsService(deps) as never);
		broker.createService({ name: "receiver", channels: { [ALERT_DELIVERY_CHANNEL]: (msg: DeliveryMessage) => void got.push(msg) } } as never);
		await broker.start();
	});
	after(async () => {
		await broker?.stop();
		await deps?.kv.close();
	});

	const tick = (seq: number, price: number) => ({ v: 1, seq, ts: T0 + seq, symbol: "CHAN", price, size: 1 });
	const metric = (name: string) => [...(broker.metrics.getMetric(name) as unknown as { values: Map<string, { value: number }> }).values.values()].reduce((a, v) => a + v.value, 0);

	it("queues one message per webhook/email channel, with `{alert_id}:{index}` ids, and marks them queued", async () => {
		const created = (await broker.call("alerts.createRule", {
			body: {
				id: "chan",
				name: "chan",
				cooldown_ms: 0,
				condition: { source: "price", symbol: "CHAN", op: "gt", value: 10 },
				channels: [{ type: "ws" }, { type: "webhook", url: "https://hooks.example.com/x", secret: "s".repeat(20) }, { type: "email", to: "a@example.com" }],
			},
		})) as { id: string };
		expect(created.id).to.equal("chan");
		await waitFor(() => deps.alerts.get("chan"), { what: "the rule loaded" });
		deps.alerts.observe(tick(1, 11));
		await waitFor(() => got.length === 2, { what: "two delivery messages" });
		const [alertId] = got[0].delivery_id.split(":");
		expect(got.map(m => [m.delivery_id, m.channel.type])).to.deep.equal([
			[`${alertId}:1`, "webhook"],
			[`${alertId}:2`, "email"],
		]);
		expect(got[0].alert).to.include({ alert_id: alertId, rule_id: "chan", owner: "system" });
		expect(got[0].alert).to.not.have.property("channels");
		expect(await new AlertStore(deps.kv, 1e9, deps.now).isQueued(alertId)).to.equal(true);
	});

	it("a replay of that update queues nothing again; one whose alert was stored but never queued is queued again, same ids", async () => {
		const store = new AlertStore(deps.kv, 1e9, deps.now);
		// The same update replayed on a fresh rule state: stored and queued already.
		const rule = deps.alerts.get("chan")!;
		deps.alerts.remove("chan");
		deps.alerts.put(rule);
		deps.alerts.observe(tick(1, 11), true);
		await waitFor(() => metric("rookery.alerts.duplicates") === 1, { what: "the duplicate counted" });
		expect(got).to.have.length(2);

		// An owner that stored the alert of update 3 and died before queuing it.
		deps.alerts.observe(tick(2, 9));
		const orphan = { v: 1, seq: 3, ts: T0 + 3, symbol: "CHAN", price: 12, size: 1 };
		const { alertIdOf } = await import("../../../lib/alerts/engine.ts");
		const id = alertIdOf("chan", "p|CHAN|3");
		expect(await store.claim({ alert_id: id, rule_id: "chan", rule_name: "chan", owner: "system", severity: "medium", message: "m", ts: orphan.ts, inputs: {}, channels: rule.channels })).to.equal(true);
		deps.alerts.observe(orphan, true);
		await waitFor(() => got.length === 4, { what: "the orphan's deliveries queued again" });
		expect(got.slice(2).map(m => m.delivery_id)).to.deep.equal([`${id}:1`, `${id}:2`]);
		expect(metric("rookery.alerts.requeued")).to.equal(2);
		expect(await store.isQueued(id)).to.equal(true);
		// Its history entry, never written by the owner that died, is there now too.
		expect((await store.history({ rule: "chan", limit: 10 })).items.map(i => i.alert_id)).to.include(id);
	});
});
