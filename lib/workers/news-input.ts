/** News pushed in by clients (`POST /api/v1/news`): one item, an array, or `{news: [...]}`. */
import type { FieldError } from "../protocol/errors.ts";
import { symbolRule } from "../protocol/tick.ts";
import { Validator } from "../validation/validator.ts";
import type { VendorItem } from "../vendors/vendor.ts";

export const MAX_NEWS_BATCH = 500;

const check = new Validator({ haltOnFirstError: false, useNewCustomCheckerFunction: true }).compile({
	$$strict: true,
	symbol: symbolRule(),
	headline: { type: "string", min: 1, max: 1000 },
	summary: { type: "string", max: 20_000, optional: true },
	url: { type: "url", optional: true },
	source: { type: "string", max: 200, optional: true },
	id: { type: "string", min: 1, max: 200, optional: true },
	published_at: [
		{ type: "number", integer: true, positive: true, convert: false, optional: true },
		{ type: "string", pattern: /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/, optional: true },
	],
}) as (x: unknown) => true | FieldError[];

export function checkNewsBatch(body: unknown, now: number): VendorItem[] | FieldError[] {
	const items = Array.isArray(body) ? body : body && typeof body === "object" && "news" in body ? (body as { news: unknown }).news : [body];
	const prefix = Array.isArray(body) ? "" : body && typeof body === "object" && "news" in body ? "news" : "";
	if (!Array.isArray(items)) return [{ field: "news", message: "news must be an array" }];
	if (items.length === 0) return [{ field: prefix || "news", message: "the batch is empty" }];
	if (items.length > MAX_NEWS_BATCH) return [{ field: prefix || "news", message: `a batch holds at most ${MAX_NEWS_BATCH} items` }];
	const errors: FieldError[] = [];
	const out: VendorItem[] = [];
	items.forEach((raw, i) => {
		const path = items.length > 1 || prefix || Array.isArray(body) ? `${prefix}[${i}].` : "";
		if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return errors.push({ field: path.replace(/\.$/, "") || "body", message: "a news item must be a JSON object" });
		const r = check(raw);
		if (r !== true) return errors.push(...r.map(e => ({ ...e, field: path + e.field })));
		const n = raw as { symbol: string; headline: string; summary?: string; url?: string; source?: string; id?: string; published_at?: number | string };
		const ts = n.published_at === undefined ? now : typeof n.published_at === "number" ? n.published_at : Date.parse(n.published_at);
		if (!Number.isFinite(ts)) return errors.push({ field: `${path}published_at`, message: "published_at is not a valid date" });
		out.push({
			data_type: "news",
			symbol: n.symbol,
			update_type: "news",
			timestamp: ts,
			data: { id: n.id ?? `push:${n.symbol}:${ts}:${n.headline.slice(0, 40)}`, headline: n.headline, summary: n.summary ?? null, url: n.url ?? null, source: n.source ?? "push", published_at: ts },
		});
	});
	return errors.length > 0 ? errors : out;
}
