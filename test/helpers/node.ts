/**
 * In-process nodes for the specs: one place that builds a test node's config, starts it and says
 * where it listens, and one that builds the bare brokers some specs need (the project's broker
 * options without the services, or an observer on a NATS transporter).
 */
import { ServiceBroker, type BrokerOptions, type Context, type ServiceSchema } from "moleculer";
import { createNode, type RookeryNode } from "../../runtime/node.ts";
import { defaultConfig, mergeConfig, type ConfigOverrides, type RookeryConfig } from "../../lib/config/config.ts";
import { brokerOptions } from "../../moleculer.config.ts";
import { registerRendezvousStrategy } from "../../middlewares/rendezvous.strategy.ts";

/** A started in-process node and the URLs of its gateway (empty without one). */
export interface TestNode extends RookeryNode {
	base: string;
	ws: string;
}

const randomId = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * The config of a test node: gateway on a port the OS picks, on loopback, quiet logs, no synthetic
 * feed, a random node id; then `layers` merged in order (mergeConfig: objects key by key).
 */
export function testConfig(...layers: ConfigOverrides[]): RookeryConfig {
	return mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId: randomId("test") }, ...layers);
}

const CONFIG_KEYS = Object.keys(defaultConfig());
/** A whole config (testConfig's, perhaps edited) is used as it is: merging it again would bring back what it dropped. */
const isWhole = (c: ConfigOverrides): c is RookeryConfig => CONFIG_KEYS.every(k => k in c);

/**
 * Creates and starts a node from `config`: a whole config (from testConfig), or overrides of
 * testConfig's; `services` are the spec's own, started with the node's. The caller stops it:
 * `after(() => node?.stop())`.
 */
export async function startNode(config: ConfigOverrides | RookeryConfig = {}, opts: { now?: () => number; services?: ServiceSchema[] } = {}): Promise<TestNode> {
	const node = await createNode(isWhole(config) ? config : testConfig(config), { now: opts.now });
	for (const s of opts.services ?? []) node.broker.createService(s);
	try {
		await node.start();
	} catch (err) {
		await node.stop().catch(() => {});
		throw err;
	}
	const port = node.port();
	return Object.assign(node, { base: port === null ? "" : `http://127.0.0.1:${port}`, ws: port === null ? "" : `ws://127.0.0.1:${port}` });
}

/** A broker with the project's options (moleculer.config.ts) and no services: for middleware specs. */
export function projectBroker(config: ConfigOverrides = {}, over: BrokerOptions = {}): ServiceBroker {
	return new ServiceBroker({ ...brokerOptions(testConfig({ nodeId: randomId("broker") }, config)), logger: false, ...over });
}

/**
 * A started broker that joins the cluster on `natsUrl` with no services of its own, to call the
 * nodes' actions and read their registry. Knows the Rendezvous strategy the symbol actions name.
 */
export async function startObserver(natsUrl: string, nodeID: string, natsOptions: Record<string, unknown> = {}): Promise<ServiceBroker> {
	registerRendezvousStrategy();
	const observer = new ServiceBroker({ namespace: "rookery", nodeID, transporter: { type: "NATS", options: { url: natsUrl, ...natsOptions } }, serializer: "JSON", logger: false });
	await observer.start();
	return observer;
}

/**
 * Listens on `broker` for the next `event` (a local service subscribed to it, removed after the
 * first one). Resolves once listening; `received` then resolves with that event's payload, or
 * rejects after `timeoutMs`.
 */
export async function listenFor<T = unknown>(broker: ServiceBroker, event: string, timeoutMs = 5000): Promise<{ received: Promise<T> }> {
	const name = randomId("listen");
	let settle!: (err: Error | null, payload?: T) => void;
	const received = new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => settle(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
		settle = (err, payload) => {
			clearTimeout(timer);
			void broker.destroyService(service).catch(() => {});
			if (err) reject(err);
			else resolve(payload as T);
		};
	});
	received.catch(() => {}); // unhandled until the caller awaits it
	const service = broker.createService({ name, events: { [event]: (ctx: Context<T>) => settle(null, ctx.params) } });
	await broker.waitForServices([name], timeoutMs, 10);
	return { received };
}
