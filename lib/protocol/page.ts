/**
 * One shape for every paged REST list: `?limit=&offset=` in, `{items, total, limit, offset}` out.
 * Lists are sorted by the caller before paging, so consecutive pages neither repeat nor skip.
 */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** Action params for a paged list (fastest-validator rules; query strings are converted). */
export const PAGE_PARAMS = {
	limit: { type: "number", integer: true, min: 1, max: MAX_PAGE_LIMIT, convert: true, optional: true },
	offset: { type: "number", integer: true, min: 0, convert: true, optional: true },
} as const;

/** Action params `from`/`to` of a time-filtered list: epoch ms or an ISO-8601 string, parsed by the action. */
export const TIME_RANGE_PARAMS = {
	from: [
		{ type: "number", optional: true },
		{ type: "string", optional: true },
	],
	to: [
		{ type: "number", optional: true },
		{ type: "string", optional: true },
	],
} as const;

export interface PageRequest {
	limit?: number;
	offset?: number;
}

export interface Page<T> {
	items: T[];
	/** Items in the whole list; a next page exists while offset + items.length < total. */
	total: number;
	limit: number;
	offset: number;
}

/** The requested slice of `all` (already in its final order). */
export function pageOf<T>(all: readonly T[], req: PageRequest): Page<T> {
	const limit = req.limit ?? DEFAULT_PAGE_LIMIT;
	const offset = req.offset ?? 0;
	return { items: all.slice(offset, offset + limit), total: all.length, limit, offset };
}
