/**
 * A caller with a tier (REST) may create only so many new symbols per request: past the cap the
 * whole batch is refused (422 naming `ticks`, nothing written).
 */
import { ValidationError } from "../protocol/errors.ts";
import type { Tick } from "../protocol/tick.ts";

/** Throws when `ticks` name more never-written symbols than `cap`; `known` says which exist. */
export async function checkNewSymbols(ticks: readonly Tick[], tier: string, cap: number, known: (symbols: string[]) => Promise<Set<string>>): Promise<void> {
	const distinct = [...new Set(ticks.map(t => t.symbol))];
	if (distinct.length <= cap) return;
	const have = await known(distinct);
	const fresh = distinct.filter(s => !have.has(s));
	if (fresh.length <= cap) return;
	const message = `a ${tier}-tier request may add at most ${cap} new symbols; this one adds ${fresh.length} (${fresh.slice(0, 3).join(", ")}, …): send them in smaller batches`;
	throw new ValidationError(message, [{ field: "ticks", message, type: "newSymbolsMax", actual: fresh.length }]);
}
