/**
 * The synthetic feed of an embedded node (lib/ingest/feed-runner.ts) as part of ingest: its warm
 * start is written before the service's own `started` runs (a worker's trade at the current time
 * would make every past tick late), it stops before the service's buffer is flushed, and the REPL
 * `feeds` command reads its status. The service supplies `submit` (lib/ingest/submit.ts).
 */
import type { ServiceSchema } from "moleculer";
import type { FeedStatus } from "../lib/feed/feed-status.ts";
import { FeedRunner } from "../lib/ingest/feed-runner.ts";
import type { Tick } from "../lib/protocol/tick.ts";
import type { NodeDeps } from "../runtime/deps.ts";

export interface SyntheticFeedVars {
	feed: FeedRunner | null;
}
interface Methods {
	submit(ticks: Tick[]): Promise<{ accepted: number }>;
}

export function syntheticFeedMixin(deps: NodeDeps): Partial<ServiceSchema<Record<string, never>, Methods, SyntheticFeedVars>> {
	const { config } = deps;
	return {
		actions: {
			/** Status of this node's feeds (the REPL `feeds` command gathers these). */
			feeds: {
				visibility: "public",
				handler(): Array<FeedStatus & { node: string }> {
					return this.feed ? [{ ...this.feed.status, node: this.broker.nodeID }] : [];
				},
			},
		},

		created() {
			this.feed = null;
			this.broker.metrics.register({ type: "counter", name: "rookery.feed.skipped", labelNames: ["feed"], description: "Feed batches skipped while the previous one was in flight" });
		},

		async started() {
			if (config.feed.type !== "synthetic" || config.symbols.length === 0) return;
			this.feed = new FeedRunner(
				{ symbols: config.symbols, ...config.feed },
				{
					submit: ticks => this.submit(ticks),
					ready: () => this.broker.waitForServices(["symbols"], 30_000, 50).then(() => {}),
					lastSeq: s => deps.store.lastSeq(s),
					now: deps.now,
					logger: this.logger,
					skipped: feed => this.broker.metrics.increment("rookery.feed.skipped", { feed }),
				},
			);
			await this.feed.start();
		},

		async stopped() {
			await this.feed?.stop();
		},
	};
}
