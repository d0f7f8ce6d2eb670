/**
 * The patterns service's matches and clocks (docs/events.md "Patterns"): a match is POSTed to
 * `events.publish` as `pattern_matched` with the id `pm-{pattern}-{n}` (stored once however often a
 * new owner re-sends it); each pattern's owner ticks the clock of its `absence` and `for_ms`
 * patterns and polls the window aggregates they read, feeding a value when it changes.
 */
import type { ServiceSchema } from "moleculer";
import type { KeyedActorMethods } from "./keyed-actor.mixin.ts";
import type { StateActor } from "../lib/keyed/state-actor.ts";
import { ownerOf } from "../lib/routing/rendezvous.ts";
import type { Match, PatternEvent, PatternState } from "../lib/patterns/evaluate.ts";
import type { PatternIndex } from "../lib/patterns/pattern-index.ts";
import { sourceKey, sourcesOf, type PatternDef } from "../lib/patterns/pattern-types.ts";
import type { NodeDeps } from "../runtime/deps.ts";

export interface PatternMatchMethods {
	emit(def: PatternDef, matches: Match[]): Promise<void>;
	tickClock(): Promise<void>;
	pollWindows(): Promise<void>;
	mine(def: PatternDef): boolean;
}
export interface PatternMatchVars {
	index: PatternIndex;
	/** The last value fed of each (pattern, window source). */
	polled: Map<string, number>;
}
type Methods = PatternMatchMethods & Pick<KeyedActorMethods<StateActor<PatternState, PatternEvent>>, "ownerNodes">;

export function patternMatchesMixin(deps: NodeDeps): Partial<ServiceSchema<Record<string, never>, Methods, PatternMatchVars>> {
	return {
		methods: {
			async emit(def: PatternDef, matches: Match[]) {
				if (matches.length === 0) return;
				const body = matches.map(m => ({
					type: "pattern_matched",
					id: `pm-${def.id}-${m.n}`,
					ts: m.ts,
					entity: m.entity,
					severity: "medium",
					data: { pattern_id: def.id, kind: def.kind, name: def.name, entity: m.entity, inputs: m.inputs },
				}));
				await this.broker.call("events.publish", { body }).then(
					() => this.broker.metrics.increment("rookery.patterns.matched", {}, matches.length),
					err => this.logger.warn(`pattern ${def.id}: ${matches.length} matches not published (${(err as Error).message}); re-sent on its next activation`),
				);
			},
			mine(def: PatternDef) {
				return (
					ownerOf(
						def.id,
						this.ownerNodes().map(id => ({ id })),
					)?.id === this.broker.nodeID
				);
			},
			async tickClock() {
				const now = deps.now();
				const timed = this.index.ofKind(d => (d.kind === "absence" || (d.kind === "threshold" && !!d.for_ms)) && this.mine(d));
				await Promise.all(timed.map(d => this.broker.call("patterns.feed", { pattern: d.id, now }).catch(() => {})));
			},
			/** Window aggregates: the owner polls the ones its patterns read, once a second, and feeds a value when it changes. */
			async pollWindows() {
				for (const d of this.index.ofKind(x => this.mine(x))) {
					for (const s of sourcesOf(d)) {
						if (s.type !== "window") continue;
						const w = await this.broker.call<Record<string, number | null>, object>("analytics.window", { name: s.metric, window: s.window }).catch(() => null);
						const v = w?.[s.stat];
						const key = `${d.id}/${sourceKey(s)}`;
						if (typeof v !== "number" || this.polled.get(key) === v) continue;
						this.polled.set(key, v);
						await this.broker.call("patterns.feed", { pattern: d.id, inputs: [{ key: sourceKey(s), entity: s.metric, value: v, ts: deps.now() }] }).catch(() => {});
					}
				}
			},
		},

		created() {
			this.broker.metrics.register({ type: "counter", name: "rookery.patterns.rejected", description: "Pattern POSTs refused with 422" });
			this.broker.metrics.register({ type: "counter", name: "rookery.patterns.matched", description: "pattern_matched events published" });
			this.broker.metrics.register({ type: "counter", name: "rookery.patterns.dropped", labelNames: ["reason"], description: "Pattern inputs not applied: refuse-new (too many waiting) or owner-unavailable" });
			this.polled = new Map();
		},
	};
}
