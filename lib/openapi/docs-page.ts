/**
 * A self-contained HTML page (no CDN, no external script) that reads /api/openapi.json and lists
 * every endpoint with its parameters, for people reading the API in a browser.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rookery API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem}code,pre{font-family:ui-monospace,monospace;font-size:13px}
details{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}.m{display:inline-block;width:4.2rem;font-weight:600}
.GET{color:#0a6}.POST{color:#06c}.DELETE{color:#c33}.PUT{color:#a60}.role{color:#c33;font-size:12px;margin-left:.5rem}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
input{width:20rem}
</style></head><body>
<h1>Rookery API</h1>
<p>Generated from the gateway's route tables and the actions' parameter schemas: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).
WebSocket protocol: <code>ws://host/ws</code> (docs/protocol.md). Filter: <input id="q" placeholder="path or action"></p>
<div id="list">Loading…</div>
<script>
const esc = s => String(s).replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
fetch("/api/openapi.json").then(r => r.json()).then(doc => {
	const rows = [];
	for (const [path, ops] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(ops)) rows.push({ path, m: m.toUpperCase(), op });
	const render = q => {
		document.getElementById("list").innerHTML = rows.filter(r => !q || (r.path + " " + (r.op["x-action"] || "")).toLowerCase().includes(q)).map(r => {
			const params = (r.op.parameters || []).map(p => "<tr><td><code>" + esc(p.name) + "</code></td><td>" + p.in + (p.required ? ", required" : "") + "</td><td><code>" + esc(JSON.stringify(p.schema)) + "</code></td></tr>").join("");
			const body = r.op.requestBody ? "<p>Body:</p><pre>" + esc(JSON.stringify(r.op.requestBody.content["application/json"].schema, null, 2)) + "</pre>" : "";
			return "<details><summary><span class='m " + r.m + "'>" + r.m + "</span><code>" + esc(r.path) + "</code> — " + esc(r.op.summary || "") + (r.op["x-required-role"] ? "<span class='role'>" + esc(r.op["x-required-role"]) + " only</span>" : "") + "</summary>" + (params ? "<table><tr><th>name</th><th>in</th><th>schema</th></tr>" + params + "</table>" : "<p>No parameters.</p>") + body + "</details>";
		}).join("");
	};
	render("");
	document.getElementById("q").addEventListener("input", e => render(e.target.value.toLowerCase()));
}).catch(err => { document.getElementById("list").textContent = "Could not load /api/openapi.json: " + err; });
</script></body></html>
`;
