/**
 * One bus subscription per topic on this node, however many clients want it; each message is
 * serialised once and handed to every subscribed client.
 */
import type { Bus } from "../bus/bus.ts";
import type { Topic } from "../protocol/wire.ts";

export interface TopicListener {
	deliver(topic: string, seq: number, frame: string): void;
}

export class TopicHub {
	#topics = new Map<string, { listeners: Set<TopicListener>; unsubscribe: () => void }>();

	constructor(readonly bus: Bus) {}

	get topicCount(): number {
		return this.#topics.size;
	}

	add(topic: Topic, listener: TopicListener): void {
		let t = this.#topics.get(topic.name);
		if (!t) {
			const listeners = new Set<TopicListener>();
			const unsubscribe = this.bus.subscribe(topic.subject, msg => {
				const seq = (msg as { seq: number }).seq;
				const frame = JSON.stringify({ type: "update", topic: topic.name, seq, data: msg });
				for (const l of listeners) l.deliver(topic.name, seq, frame);
			});
			t = { listeners, unsubscribe };
			this.#topics.set(topic.name, t);
		}
		t.listeners.add(listener);
	}

	/** Resolves once every subscription made so far is in force at the bus (a NATS round trip). */
	ready(): Promise<void> {
		return this.bus.flush();
	}

	remove(topicName: string, listener: TopicListener): void {
		const t = this.#topics.get(topicName);
		if (!t) return;
		t.listeners.delete(listener);
		if (t.listeners.size === 0) {
			t.unsubscribe();
			this.#topics.delete(topicName);
		}
	}
}
