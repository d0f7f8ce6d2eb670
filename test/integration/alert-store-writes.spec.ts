/**
 * An alert's claim and its history, last firing and delivery entries leave for Redis in one socket
 * write (one round trip before the alert is published); a repeated alert leaves the delivery
 * entries it finds as they are.
 */
import { expect } from "chai";
import { RedisKv } from "../../lib/kv/index.ts";
import { AlertStore } from "../../lib/alerts/alert-store.ts";
import { initialDeliveries } from "../../lib/alerts/firing.ts";
import type { AlertRecord } from "../../lib/alerts/types.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";

describe("AlertStore on Redis: an alert's claim and index in one write", function () {
	this.timeout(30_000);
	let redis: TestServer;
	let kv: RedisKv;
	let store: AlertStore;
	const now = Date.now();
	const record: AlertRecord = {
		alert_id: "al_onewrite",
		rule_id: "r1",
		rule_name: "AAPL above 200",
		owner: "u1",
		severity: "high",
		message: "price crossed above 200",
		ts: now,
		inputs: { price: 201 },
		channels: [{ type: "ws" }, { type: "webhook", url: "http://127.0.0.1:1/hook", secret: "s" }, { type: "email", to: "a@example.com" }],
	};

	before(async () => {
		redis = await startRedis();
		kv = new RedisKv({ url: redis.url, prefix: `aw${process.pid}` });
		await kv.connect();
		store = new AlertStore(kv, 86_400_000, () => Date.now());
	});
	after(async () => {
		await kv?.close();
		await redis?.stop();
	});

	function countWrites() {
		const socket = kv.client.stream as unknown as { _writev: (...a: unknown[]) => void; _write: (...a: unknown[]) => void };
		const counted = { writes: 0, restore: () => {} };
		const writev = socket._writev.bind(socket);
		const write = socket._write.bind(socket);
		socket._writev = (...a) => (counted.writes++, writev(...a));
		socket._write = (...a) => (counted.writes++, write(...a));
		counted.restore = () => ((socket._writev = writev), (socket._write = write));
		return counted;
	}

	it("claims, indexes and writes the delivery entries in one write; the history has it at once", async () => {
		await kv.ping();
		const counted = countWrites();
		let claimed: boolean;
		try {
			claimed = await store.claimAndIndex(record, initialDeliveries(record, true));
		} finally {
			counted.restore();
		}
		expect(claimed).to.equal(true);
		expect(counted.writes).to.equal(1);
		const { items } = await store.history({ rule: "r1", limit: 10 });
		expect(items.map(i => i.alert_id)).to.deep.equal(["al_onewrite"]);
		expect(items[0].deliveries.map(d => d.status)).to.deep.equal(["delivered", "pending", "pending"]);
		expect(await store.lastFired(["r1"])).to.deep.equal([now]);
	});

	it("a repeated alert is not claimed again and leaves the delivery results it finds", async () => {
		expect(await store.recordDelivery({ alert_id: record.alert_id, delivery_id: `${record.alert_id}:1`, channel: "webhook", status: "delivered", attempts: 2, last_error: null })).to.equal(true);
		expect(await store.claimAndIndex(record, initialDeliveries(record, true))).to.equal(false);
		const { items } = await store.history({ rule: "r1", limit: 10 });
		expect(items).to.have.length(1);
		expect(items[0].deliveries.map(d => d.status)).to.deep.equal(["delivered", "delivered", "pending"]);
	});

	it("a repeated older alert does not move the rule's last firing back (its cooldown after a failover)", async () => {
		const later = { ...record, alert_id: "al_later", ts: now + 60_000 };
		expect(await store.claimAndIndex(later, initialDeliveries(later, true))).to.equal(true);
		expect(await store.claimAndIndex(record, initialDeliveries(record, true))).to.equal(false);
		expect(await store.lastFired(["r1"])).to.deep.equal([now + 60_000]);
	});
});
