/**
 * News from RSS 2.0 (`<rss><channel><item>`) and Atom (`<feed><entry>`) feeds, one feed per symbol
 * from a URL template (`…/headline?s={symbol}`). Articles seen before are not emitted again (a
 * bounded memory of ids per symbol), so a poll every few minutes yields only what is new.
 */
import { httpGetText } from "./http-get.ts";
import { PollVendor, type DataType, type VendorItem } from "./vendor.ts";

export interface RssOptions {
	/** `{symbol}` is replaced by the URL-encoded symbol. */
	urlTemplate: string;
	/** Ids remembered per symbol (oldest forgotten first). */
	seenLimit?: number;
}

export interface Article {
	id: string;
	headline: string;
	url: string | null;
	summary: string | null;
	published_at: number | null;
	source: string | null;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decode(s: string): string {
	const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(s);
	if (cdata) return cdata[1].trim();
	return s
		.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
			if (e[0] === "#") {
				const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
				return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
			}
			return ENTITIES[e.toLowerCase()] ?? m;
		})
		.trim();
}

function tag(block: string, name: string): string | null {
	const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, "i").exec(block);
	return m ? decode(m[1]) : null;
}

function attr(block: string, name: string, attribute: string, where?: RegExp): string | null {
	for (const m of block.matchAll(new RegExp(`<${name}\\s([^>]*?)/?>`, "gi"))) {
		if (where && !where.test(m[1])) continue;
		const a = new RegExp(`${attribute}\\s*=\\s*("([^"]*)"|'([^']*)')`, "i").exec(m[1]);
		if (a) return decode(a[2] ?? a[3]);
	}
	return null;
}

function date(s: string | null): number | null {
	if (!s) return null;
	const t = Date.parse(s);
	return Number.isNaN(t) ? null : t;
}

/** Parse an RSS 2.0 or Atom document; throws a plain Error saying why when it is neither. */
export function parseFeed(xml: string): { format: "rss" | "atom"; title: string | null; articles: Article[] } {
	const isRss = /<rss[\s>]/i.test(xml);
	const isAtom = !isRss && /<feed[\s>]/i.test(xml);
	if (!isRss && !isAtom) throw new Error("neither an RSS 2.0 <rss> nor an Atom <feed> document");
	const closing = isRss ? /<\/rss>/i : /<\/feed>/i;
	if (!closing.test(xml)) throw new Error(`the document is cut off (no closing </${isRss ? "rss" : "feed"}>)`);
	const itemName = isRss ? "item" : "entry";
	const head = xml.split(new RegExp(`<${itemName}[\\s>]`, "i"))[0];
	const title = tag(head, "title");
	const articles: Article[] = [];
	for (const m of xml.matchAll(new RegExp(`<${itemName}(?:\\s[^>]*)?>([\\s\\S]*?)</${itemName}>`, "gi"))) {
		const b = m[1];
		const headline = tag(b, "title");
		if (!headline) continue;
		const url = isRss ? tag(b, "link") : (attr(b, "link", "href", /rel\s*=\s*["']alternate["']/i) ?? attr(b, "link", "href"));
		const id = (isRss ? tag(b, "guid") : tag(b, "id")) ?? url ?? headline;
		articles.push({
			id,
			headline,
			url,
			summary: isRss ? tag(b, "description") : (tag(b, "summary") ?? tag(b, "content")),
			published_at: isRss ? date(tag(b, "pubDate")) : date(tag(b, "published") ?? tag(b, "updated")),
			source: isRss ? (tag(b, "source") ?? title) : (tag(b, "name") ?? title),
		});
	}
	return { format: isRss ? "rss" : "atom", title, articles };
}

export class RssVendor extends PollVendor {
	readonly type = "rss";
	readonly dataTypes = ["news"] as const satisfies readonly DataType[];
	#seen = new Map<string, Set<string>>();

	constructor(
		name: string,
		readonly opts: RssOptions,
	) {
		super(name);
	}

	async fetch(_dataType: DataType, symbol: string, signal: AbortSignal): Promise<VendorItem[]> {
		const xml = await httpGetText(this.name, this.opts.urlTemplate.replaceAll("{symbol}", encodeURIComponent(symbol)), signal, { accept: "application/rss+xml, application/atom+xml, text/xml" });
		let feed: ReturnType<typeof parseFeed>;
		try {
			feed = parseFeed(xml);
		} catch (err) {
			throw this.fail("malformed", (err as Error).message);
		}
		let seen = this.#seen.get(symbol);
		if (!seen) this.#seen.set(symbol, (seen = new Set()));
		const limit = this.opts.seenLimit ?? 1000;
		const out: VendorItem[] = [];
		for (const a of feed.articles) {
			if (seen.has(a.id)) continue;
			seen.add(a.id);
			if (seen.size > limit) seen.delete(seen.values().next().value!);
			out.push({ data_type: "news", symbol, update_type: "news", timestamp: a.published_at ?? Date.now(), data: { ...a, format: feed.format } });
		}
		return out;
	}
}
