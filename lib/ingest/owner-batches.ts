/**
 * Owner calls grouped per owner node: `call(symbol, ticks)` (submitTicks's OwnerCall) queues the
 * symbol's batch, and at the end of the turn each owner node gets one call with the batches of all
 * its symbols (at most CHUNK ticks a call, NATS's message limit), answered per symbol. A request of
 * 50 ticks over 50 symbols was 50 calls over NATS, each a request, a response and their handling on
 * both nodes; it is now one per owner node. Pure: the routing, the call and the error rebuild are
 * passed in.
 */
import type { Tick } from "../protocol/tick.ts";
import type { IngestResult } from "../symbols/symbol-actor.ts";
import { CHUNK, type OwnerCall } from "./submit.ts";

export interface OwnerEntry {
	symbol: string;
	ticks: Tick[];
}

/** A symbol's answer in a grouped call: its result, or its error as a plain object (Moleculer's `extractPlainError`). */
export type EntryOutcome = { ok: IngestResult } | { error: PlainError };
export interface PlainError {
	name: string;
	message: string;
	code?: number;
	type?: string;
	retryable?: boolean;
	data?: unknown;
}

const NO_ANSWER: PlainError = { name: "UnavailableError", message: "the owner gave no answer for this symbol; resend it", type: "SERVICE_UNAVAILABLE", code: 503, retryable: true };

interface Waiting {
	entry: OwnerEntry;
	resolve: (r: IngestResult) => void;
	reject: (err: unknown) => void;
}

export class OwnerBatches {
	#byOwner = new Map<string | undefined, Waiting[]>();
	#scheduled = false;

	constructor(
		/** The owner node of `symbol` (undefined: none known; the call then finds none either). */
		readonly ownerOf: (symbol: string) => string | undefined,
		readonly send: (owner: string | undefined, entries: OwnerEntry[]) => Promise<EntryOutcome[]>,
		/** A symbol's error object from its plain form. */
		readonly restore: (plain: PlainError) => Error,
	) {}

	readonly call: OwnerCall = (symbol, ticks) =>
		new Promise((resolve, reject) => {
			const owner = this.ownerOf(symbol);
			const waiting = this.#byOwner.get(owner);
			if (waiting) waiting.push({ entry: { symbol, ticks }, resolve, reject });
			else this.#byOwner.set(owner, [{ entry: { symbol, ticks }, resolve, reject }]);
			if (!this.#scheduled) {
				this.#scheduled = true;
				process.nextTick(this.#flush);
			}
		});

	readonly #flush = () => {
		this.#scheduled = false;
		const byOwner = this.#byOwner;
		this.#byOwner = new Map();
		for (const [owner, waiting] of byOwner) {
			let from = 0;
			let ticks = 0;
			for (let i = 0; i < waiting.length; i++) {
				const n = waiting[i].entry.ticks.length;
				if (i > from && ticks + n > CHUNK) {
					this.#send(owner, waiting.slice(from, i));
					from = i;
					ticks = 0;
				}
				ticks += n;
			}
			this.#send(owner, from === 0 ? waiting : waiting.slice(from));
		}
	};

	#send(owner: string | undefined, waiting: Waiting[]): void {
		this.send(
			owner,
			waiting.map(w => w.entry),
		).then(
			outcomes => {
				// Each settled on its own: one odd outcome must not leave the others waiting.
				for (let i = 0; i < waiting.length; i++) {
					try {
						const o = outcomes[i];
						if (o !== null && typeof o === "object" && "ok" in o) waiting[i].resolve(o.ok);
						else waiting[i].reject(this.restore(o?.error ?? NO_ANSWER));
					} catch {
						waiting[i].reject(this.restore(NO_ANSWER));
					}
				}
			},
			err => {
				for (const w of waiting) w.reject(err);
			},
		);
	}
}
