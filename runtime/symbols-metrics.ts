/**
 * Per-symbol metrics of the actors a node owns, read when `/metrics` is scraped (nothing on the
 * tick path but two counts on the actor): lag (seconds since the newest tick's trade time), ticks
 * in, messages out, and the mailbox backlog. Series of a symbol leave with its actor.
 */
import type { ServiceBroker } from "moleculer";
import { Counter, Gauge } from "prom-client";
import type { SymbolActor } from "../lib/symbols/symbol-actor.ts";
import { SignalOutcomes, type SignalOutcome } from "../lib/strategies/signal-outcomes.ts";
import { prometheusRegistryOf } from "./prometheus.ts";

export function registerSymbolMetrics(broker: ServiceBroker, actors: () => Iterable<Promise<SymbolActor>>, now: () => number): void {
	const registers = [prometheusRegistryOf(broker)];
	// One read of the actors per scrape, shared by the metrics below: a scrape collects them one
	// per event-loop turn (runtime/prometheus.ts renderMetrics), so a read is reused for a second.
	let read: Promise<SymbolActor[]> | null = null;
	const owned = () => {
		if (!read) {
			read = Promise.all([...actors()].map(p => p.catch(() => null))).then(list => list.filter((a): a is SymbolActor => a !== null));
			// Not kept longer: it holds the actors, passivated ones too.
			setTimeout(() => (read = null), 1000).unref();
		}
		return read;
	};
	new Gauge({
		name: "rookery_symbols_active",
		help: "Symbol actors in memory on this node",
		registers,
		async collect() {
			this.set((await owned()).length);
		},
	});
	new Gauge({
		name: "rookery_symbol_lag_seconds",
		help: "Seconds since the trade time of the symbol's newest tick (how stale its quote is)",
		labelNames: ["symbol"],
		registers,
		async collect() {
			this.reset();
			const t = now();
			for (const a of await owned()) if (a.latest) this.set({ symbol: a.symbol }, Math.max(0, (t - a.latest.ts) / 1000));
		},
	});
	new Gauge({
		name: "rookery_symbol_mailbox_pending",
		help: "Updates queued or running in the symbol actor's mailbox (its delivery backlog)",
		labelNames: ["symbol"],
		registers,
		async collect() {
			this.reset();
			for (const a of await owned()) this.set({ symbol: a.symbol }, a.mailbox.pending);
		},
	});
	new Counter({
		name: "rookery_symbol_ticks_in_total",
		help: "Ticks the symbol's actor wrote to its log on this node",
		labelNames: ["symbol"],
		registers,
		async collect() {
			this.reset();
			for (const a of await owned()) this.inc({ symbol: a.symbol }, a.ticksIn);
		},
	});
	new Counter({
		name: "rookery_symbol_messages_out_total",
		help: "Messages (ticks, bars, indicators, signals) the symbol's actor published on this node",
		labelNames: ["symbol"],
		registers,
		async collect() {
			this.reset();
			for (const a of await owned()) this.inc({ symbol: a.symbol }, a.messagesOut);
		},
	});
}

type Published = { strategy?: string; spec?: string; direction?: "long" | "short"; tf?: string; final?: boolean; bar?: { close: number } };

/**
 * Live strategy metrics, registered once per node: signals generated, and their outcomes over the
 * horizons (lib/strategies/signal-outcomes.ts). Returns a factory of one symbol's observer, fed
 * that symbol's published messages in order.
 */
export function registerSignalMetrics(broker: ServiceBroker): () => (msg: object) => void {
	const m = broker.metrics;
	m.register({ type: "counter", name: "rookery.strategy.signals", labelNames: ["strategy", "tf", "direction"], description: "Signals the strategies generated on live bars" });
	// By spec (ma-cross:5:20:0), not name: two parameter sets of a strategy score apart. Bounded by the
	// configured strategies (analysis.strategies and instruments' own), as the signals' specs come from them.
	m.register({ type: "counter", name: "rookery.strategy.outcomes", labelNames: ["strategy", "tf", "horizon", "result"], description: "Live signals scored h bars later, by strategy spec: hit when the close moved the signal's way" });
	m.register({ type: "counter", name: "rookery.strategy.outcomes.dropped", description: "Live signals left unscored because too many were waiting for their horizons (drop-oldest)" });
	const count = (o: SignalOutcome) => m.increment("rookery.strategy.outcomes", { strategy: o.strategy, tf: o.tf, horizon: o.horizon, result: o.hit ? "hit" : "miss" });
	return () => {
		const outcomes = new SignalOutcomes();
		return msg => {
			const p = msg as Published;
			if (p.strategy !== undefined && p.direction !== undefined && p.tf !== undefined) {
				m.increment("rookery.strategy.signals", { strategy: p.strategy, tf: p.tf, direction: p.direction });
				const dropped = outcomes.dropped;
				outcomes.signal(p.tf, p.spec ?? p.strategy, p.direction);
				if (outcomes.dropped > dropped) m.increment("rookery.strategy.outcomes.dropped");
			} else if (p.final === true && p.bar !== undefined && p.tf !== undefined) outcomes.bar(p.tf, p.bar.close, count);
		};
	};
}
