/**
 * Vendor (and pushed) items on their way to the store: each becomes a StreamMessage (market data
 * with the volatility fields), carrying its validated tick when it is a trade. A batch is written
 * in four stages, each marked done on the message so a retry after a failure repeats none of it:
 * 1. the trades into the symbol actors (the same batched path as the REST endpoint), 2. the capped
 * stream per (type, symbol), 3. latest with TTL (the newest of the batch per key), 4. publish.
 * A message is published only after it is stored; a trade only after its tick is durable.
 */
import type { Bus } from "../bus/bus.ts";
import type { KvStore } from "../kv/kv-store.ts";
import { checkTick, isFieldErrors, type Tick, type TickCheckOptions } from "../protocol/tick.ts";
import { subjects } from "../protocol/wire.ts";
import type { VendorItem } from "../vendors/index.ts";
import type { Pending } from "../workers/message-pipeline.ts";
import type { QuoteVolatility } from "../workers/quote-volatility.ts";
import { messageKeys, toStreamMessage, type StreamMessage } from "../workers/stream-message.ts";

/** A message on its way to the store, with the tick it carries (market data trades). */
export interface Outgoing {
	msg: StreamMessage;
	tick?: Tick;
}

export interface ItemMeta {
	vendor: string;
	worker_id: string | null;
	retry_count: number;
	fallback: boolean;
}

export interface ToOutgoingDeps {
	check: TickCheckOptions;
	volatility: QuoteVolatility;
	node: string;
	now: number;
	/** An item whose tick is invalid: not stored, reported. */
	reject(reason: string, tick: unknown): void;
}

export function toOutgoing(items: readonly VendorItem[], meta: ItemMeta, deps: ToOutgoingDeps): Outgoing[] {
	const out: Outgoing[] = [];
	const smMeta = { ...meta, node: deps.node, now: deps.now };
	for (const item of items) {
		let tick: Tick | undefined;
		if (item.tick) {
			const t = checkTick(item.tick, deps.check);
			if (isFieldErrors(t)) {
				deps.reject(`${t[0].field}: ${t[0].message}`, item.tick);
				continue;
			}
			tick = t;
		}
		if (item.data_type === "market_data") {
			const d = item.data as { price?: number; close?: number; bid?: number; ask?: number };
			const price = d.price ?? d.close ?? (typeof d.bid === "number" && typeof d.ask === "number" ? (d.bid + d.ask) / 2 : null);
			item.data = { ...item.data, ...deps.volatility.update(item.symbol, item.update_type === "quote" ? null : price, d.bid, d.ask) };
		}
		out.push({ msg: toStreamMessage(item, meta.vendor, smMeta), tick });
	}
	return out;
}

export interface WriteDeps {
	/** The batched tick path; on a partial failure its error's `data.failed` names the symbols not written. */
	submit(ticks: Tick[]): Promise<unknown>;
	kv: KvStore;
	bus: Bus;
	streamMaxLen: number;
	latestTtlMs: number;
	/** Messages newly stored by this write. */
	stored(n: number): void;
}

export async function writeMessages(batch: Pending<Outgoing>[], deps: WriteDeps): Promise<void> {
	// 1. Trades into the symbol actors; symbols written before a partial failure are done.
	const ticks = batch.filter(p => p.msg.tick && !p.done.has("ingested"));
	if (ticks.length > 0) {
		try {
			await deps.submit(ticks.map(p => p.msg.tick!));
			for (const p of ticks) p.done.add("ingested");
		} catch (err) {
			const failed = (err as { data?: { failed?: Array<{ symbol: string }> } }).data?.failed;
			if (failed) {
				const notWritten = new Set(failed.map(f => f.symbol));
				for (const p of ticks) if (!notWritten.has(p.msg.tick!.symbol)) p.done.add("ingested");
			}
			throw err;
		}
	}
	// 2. The capped stream per (type, symbol).
	const results = await Promise.allSettled(
		batch.map(async p => {
			if (p.done.has("stored")) return;
			const m = p.msg.msg;
			await deps.kv.streamAppend(messageKeys.stream(m.data_type, m.symbol), m, deps.streamMaxLen);
			p.done.add("stored");
		}),
	);
	const stored = batch.filter(p => p.done.has("stored") && !p.done.has("published"));
	deps.stored(stored.filter(p => !p.done.has("latest")).length);
	// 3. Latest with TTL (the newest of the batch per key), 4. publish, each once.
	const latest = new Map<string, StreamMessage>();
	for (const p of stored) if (!p.done.has("latest")) latest.set(messageKeys.latest(p.msg.msg.data_type, p.msg.msg.symbol), p.msg.msg);
	await Promise.all([...latest].map(([k, m]) => deps.kv.set(k, m, deps.latestTtlMs)));
	for (const p of stored) {
		p.done.add("latest");
		const m = p.msg.msg;
		// market_data quotes/bars (with volatility fields) go beside the actors' rookery.ticks.{SYM}.
		deps.bus.publish(subjects.dataType(m.data_type, m.symbol), m);
		p.done.add("published");
	}
	const failed = results.find(r => r.status === "rejected") as PromiseRejectedResult | undefined;
	if (failed) throw failed.reason;
}
