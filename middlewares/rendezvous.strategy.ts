/**
 * Moleculer invocation strategy that routes by rendezvous hashing on a key in the params
 * (`strategyOptions.key`, default "symbol"): the owner of a symbol is the same on every node that
 * sees the same endpoints, and a membership change moves only the symbols it must.
 */
import { Strategies, type Context } from "moleculer";
import { rendezvousOwner } from "../lib/routing/rendezvous.ts";
import { normalizeSymbol } from "../lib/protocol/tick.ts";

interface Endpoint {
	id: string;
}

const Base = Strategies.Base as unknown as new (registry: unknown, broker: unknown, opts?: { key?: string }) => { opts: { key?: string } };

/** The name actions use (`strategy: "Rendezvous"`); every node registers it, since callers route. */
export const RENDEZVOUS = "Rendezvous";

/** A symbol as the owner sees it after validation (lib/protocol/tick.ts): reads accept `aapl` for `AAPL`. */
export const normaliseSymbol = (s: string) => normalizeSymbol(s) ?? s;

export class RendezvousStrategy extends Base {
	select(list: Endpoint[], ctx?: Context): Endpoint {
		const key = (ctx?.params as Record<string, unknown> | undefined)?.[this.opts.key ?? "symbol"];
		if (typeof key !== "string" || list.length === 1) return list[0];
		const owner = rendezvousOwner(
			normaliseSymbol(key),
			list.map(ep => ep.id),
		);
		return list.find(ep => ep.id === owner) ?? list[0];
	}
}

export function registerRendezvousStrategy(): void {
	// Moleculer's typings declare register(name, instance); it takes the class.
	Strategies.register(RENDEZVOUS, RendezvousStrategy as never);
}
