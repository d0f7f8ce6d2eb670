/** A local news server: RSS 2.0 at /rss/{SYM}, Atom at /atom/{SYM}, a truncated document at /broken/{SYM}. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export function rssDocument(symbol: string, n: number): string {
	const items = Array.from(
		{ length: n },
		(_, i) =>
			`<item><title><![CDATA[${symbol} beats estimates & raises guidance #${i}]]></title><link>https://news.example/${symbol}/${i}</link><guid isPermaLink="false">${symbol}-${i}</guid><pubDate>Tue, 10 Jun 2025 12:0${i % 10}:00 GMT</pubDate><description>Shares &amp; more #${i}</description></item>`,
	).join("");
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Headlines for ${symbol}</title><link>https://news.example</link>${items}</channel></rss>`;
}

export function atomDocument(symbol: string, n: number): string {
	const entries = Array.from(
		{ length: n },
		(_, i) =>
			`<entry><title>${symbol} misses estimates #${i}</title><link rel="alternate" href="https://news.example/atom/${symbol}/${i}"/><id>urn:atom:${symbol}:${i}</id><updated>2025-06-10T12:0${i % 10}:00Z</updated><summary>Weak quarter &#8212; #${i}</summary><author><name>Wire</name></author></entry>`,
	).join("");
	return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom ${symbol}</title>${entries}</feed>`;
}

export async function startRssServer(): Promise<{ url: string; items: { n: number }; close(): Promise<void> }> {
	const items = { n: 3 };
	const server = http.createServer((req, res) => {
		const [, kind, sym] = (req.url ?? "").split("/");
		if (kind === "rss") return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rssDocument(sym, items.n));
		if (kind === "atom") return void res.writeHead(200, { "content-type": "application/atom+xml" }).end(atomDocument(sym, items.n));
		if (kind === "broken") return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(rssDocument(sym, items.n).slice(0, 200));
		res.writeHead(404).end();
	});
	await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, items, close: () => new Promise(r => (server.closeAllConnections(), server.close(() => r()))) };
}
