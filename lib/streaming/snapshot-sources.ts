/**
 * Where each topic kind's current value comes from: an action and its parameters, and how its
 * answer becomes a snapshot. Services that add topic kinds add a row here (the gateway reads no
 * other list). Kinds without a row have no snapshot: subscribers get live updates only.
 */
import type { Topic, TopicKind } from "../protocol/wire.ts";
import type { Snapshot } from "./client-session.ts";

export interface SnapshotSource {
	action: string;
	params(topic: Topic): Record<string, unknown>;
	toSnapshot(answer: unknown): Snapshot | null;
}

const symbolTopic: SnapshotSource = {
	action: "symbols.topicSnapshot",
	params: t => ({ symbol: "symbol" in t ? t.symbol : undefined, kind: t.kind, tf: t.kind === "bars" ? t.tf : undefined }),
	toSnapshot: a => (a as Snapshot | null) ?? null,
};

/** `ingest.messages` answers the newest messages of a data type, newest last. */
const dataTypeTopic: SnapshotSource = {
	action: "ingest.messages",
	params: t => ({ dataType: t.kind, symbol: "symbol" in t ? t.symbol : undefined, limit: 1 }),
	toSnapshot: a => {
		const last = Array.isArray(a) ? (a.at(-1) as { seq?: unknown } | undefined) : undefined;
		return last ? { seq: typeof last.seq === "number" ? last.seq : 0, data: last } : null;
	},
};

/** `intelligence.streamLatest` answers the stream's last `intelligence_update`, or null. */
const intelTopic: SnapshotSource = {
	action: "intelligence.streamLatest",
	params: t => ({ id: t.kind === "intel" ? t.id : undefined }),
	toSnapshot: a => {
		const u = a as { seq?: unknown } | null;
		return u ? { seq: typeof u.seq === "number" ? u.seq : 0, data: u } : null;
	},
};

export const SNAPSHOT_SOURCES: Partial<Record<TopicKind, SnapshotSource>> = {
	ticks: symbolTopic,
	bars: symbolTopic,
	indicators: symbolTopic,
	signals: symbolTopic,
	news: dataTypeTopic,
	fundamentals: dataTypeTopic,
	analytics: dataTypeTopic,
	insider_data: dataTypeTopic,
	intel: intelTopic,
};
