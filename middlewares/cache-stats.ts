/** The node's two-level cacher, when the broker runs one, and its status for `/health` and `/metrics/performance`. */
import type { ServiceBroker } from "moleculer";
import { TwoLevelCacher } from "./two-level-cacher.ts";

export const twoLevelCacherOf = (broker: ServiceBroker): TwoLevelCacher | null => (broker.cacher instanceof TwoLevelCacher ? broker.cacher : null);

export const cacheStatsOf = (broker: ServiceBroker) => twoLevelCacherOf(broker)?.status() ?? null;
