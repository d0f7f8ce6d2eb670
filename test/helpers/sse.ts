/** An SSE reader for tests: events parsed as they come (comments as event "comment"); `abort` ends it. */
export function sse(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
	const events: Array<{ id?: string; event: string; data: any }> = [];
	const ac = new AbortController();
	let status = 0;
	const done = (async () => {
		const res = await fetch(url, { ...init, signal: ac.signal });
		status = res.status;
		if (!res.body) return;
		const dec = new TextDecoder();
		let buf = "";
		for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
			buf += dec.decode(chunk, { stream: true });
			let i;
			while ((i = buf.indexOf("\n\n")) >= 0) {
				const block = buf.slice(0, i);
				buf = buf.slice(i + 2);
				const ev: { id?: string; event: string; data: any } = { event: "message", data: null };
				for (const line of block.split("\n")) {
					if (line.startsWith("id: ")) ev.id = line.slice(4);
					else if (line.startsWith("event: ")) ev.event = line.slice(7);
					else if (line.startsWith("data: ")) ev.data = JSON.parse(line.slice(6));
					else if (line.startsWith(":")) ev.event = "comment";
				}
				events.push(ev);
			}
		}
	})().catch(() => {});
	return { events, abort: () => ac.abort(), done, status: () => status };
}
