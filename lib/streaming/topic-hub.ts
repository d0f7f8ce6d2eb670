/**
 * One bus subscription per topic on this node, however many clients want it; each message is
 * serialised once and handed to every subscribed client. A wildcard topic (`ticks:*`) is one
 * pattern subscription; its frames name the concrete topic (`ticks:AAPL`). Topics are kept by
 * subject: a per-caller topic (`alerts:me`) has one name and a subject per caller.
 */
import type { Bus } from "../bus/bus.ts";
import { concreteTopicName, type Topic } from "../protocol/wire.ts";
import type { Hops, StageRecorder } from "../metrics/stages.ts";

export interface TopicListener {
	/**
	 * One update frame of `topic` (the subscribed name, wildcard or not). `seq` is the message's
	 * stream position, null for messages that carry none (intelligence updates); `key` is what a
	 * conflating queue keeps the newest of (the concrete topic, plus the timeframe when the message
	 * has one, so conflating `indicators:AAPL` keeps each timeframe's newest). `hops`: the latency
	 * stamps of a stamped message, as of its `fanout` stage (lib/metrics/stages.ts).
	 */
	deliver(topic: string, seq: number | null, frame: string, key: string, hops?: Hops): void;
}

export class TopicHub {
	#topics = new Map<string, { listeners: Set<TopicListener>; unsubscribe: () => void }>();

	/** `stages`: where a stamped message's `gateway.received` and `fanout` are recorded. */
	constructor(
		readonly bus: Bus,
		readonly stages?: StageRecorder,
	) {}

	get topicCount(): number {
		return this.#topics.size;
	}

	add(topic: Topic, listener: TopicListener): void {
		let t = this.#topics.get(topic.subject);
		if (!t) {
			const listeners = new Set<TopicListener>();
			const unsubscribe = this.bus.subscribe(topic.subject, (msg, subject, stamped) => {
				const received = stamped && this.stages?.mark("gateway.received", stamped);
				const m = msg as { seq?: unknown; tf?: unknown };
				const seq = typeof m.seq === "number" ? m.seq : null;
				const name = topic.wildcard ? concreteTopicName(topic, subject) : topic.name;
				const frame = JSON.stringify(seq === null ? { type: "update", topic: name, data: msg } : { type: "update", topic: name, seq, data: msg });
				const key = typeof m.tf === "string" ? `${name}|${m.tf}` : name;
				const hops = received && this.stages!.mark("fanout", received);
				for (const l of listeners) l.deliver(topic.name, seq, frame, key, hops);
			});
			t = { listeners, unsubscribe };
			this.#topics.set(topic.subject, t);
		}
		t.listeners.add(listener);
	}

	/** Resolves once every subscription made so far is in force at the bus (a NATS round trip). */
	ready(): Promise<void> {
		return this.bus.flush();
	}

	/** `subject`: the subscribed topic's (`Topic.subject`). */
	remove(subject: string, listener: TopicListener): void {
		const t = this.#topics.get(subject);
		if (!t) return;
		t.listeners.delete(listener);
		if (t.listeners.size === 0) {
			t.unsubscribe();
			this.#topics.delete(subject);
		}
	}
}
