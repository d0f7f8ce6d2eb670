/**
 * The gateway's static pages: the dashboard at `/` and the interactive API docs at `/docs`, from
 * `public/` and npm packages (no CDN: works offline). The dashboard's script is TypeScript bundled
 * with esbuild on first request (lightweight-charts and lib/indicators included, so overlays are
 * computed by the same engine as the server's). Each asset is read once, kept with its gzip form
 * and an ETag; GET and HEAD only; any other path is left to the caller.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PUBLIC = path.join(ROOT, "public");
const require = createRequire(import.meta.url);
const swaggerDir = () => path.dirname(require.resolve("swagger-ui-dist/package.json"));

interface Asset {
	body: Buffer;
	gzip: Buffer | null;
	type: string;
	etag: string;
}

type Source = () => Promise<Buffer>;

const TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
};

/** The dashboard's own code may only talk to this origin (REST, WebSocket); styles inline are the chart library's. */
const DASHBOARD_CSP = "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const file =
	(p: string): Source =>
	() =>
		readFile(p);

/** esbuild bundles public/app/main.ts (and what it imports) into one ES module. */
const bundle =
	(entry: string): Source =>
	async () => {
		const { build } = await import("esbuild");
		const out = await build({ entryPoints: [entry], bundle: true, format: "esm", target: "es2022", minify: true, write: false, legalComments: "eof", logLevel: "silent" });
		return Buffer.from(out.outputFiles[0].contents);
	};

/** URL path → where its bytes come from. */
export function siteRoutes(): Record<string, Source> {
	return {
		"/": file(path.join(PUBLIC, "index.html")),
		"/dashboard.css": file(path.join(PUBLIC, "dashboard.css")),
		"/dashboard.js": bundle(path.join(PUBLIC, "app", "main.ts")),
		"/docs": file(path.join(PUBLIC, "docs.html")),
		"/docs/docs.js": file(path.join(PUBLIC, "docs.js")),
		"/docs/swagger-ui.css": () => readFile(path.join(swaggerDir(), "swagger-ui.css")),
		"/docs/swagger-ui-bundle.js": () => readFile(path.join(swaggerDir(), "swagger-ui-bundle.js")),
	};
}

export class StaticSite {
	#sources: Map<string, Source>;
	#assets = new Map<string, Promise<Asset>>();

	constructor(routes: Record<string, Source> = siteRoutes()) {
		this.#sources = new Map(Object.entries(routes));
	}

	has(pathname: string): boolean {
		return this.#sources.has(pathname);
	}

	/** Loads (once) what `pathname` serves; a failed load is tried again on the next request. */
	asset(pathname: string): Promise<Asset> {
		let a = this.#assets.get(pathname);
		if (!a) {
			const src = this.#sources.get(pathname);
			if (!src) return Promise.reject(new Error(`no asset ${pathname}`));
			const ext = path.extname(pathname);
			a = src().then(body => ({
				body,
				gzip: body.length > 1024 ? gzipSync(body) : null,
				type: TYPES[ext === "" ? ".html" : ext] ?? "application/octet-stream",
				etag: `"${createHash("sha1").update(body).digest("base64url")}"`,
			}));
			a.catch(() => this.#assets.delete(pathname));
			this.#assets.set(pathname, a);
		}
		return a;
	}

	/** Answers `req` when it asks for one of the site's paths (true), else leaves it (false). */
	serve(req: IncomingMessage, res: ServerResponse, onError: (err: Error) => void): boolean {
		if (req.method !== "GET" && req.method !== "HEAD") return false;
		const url = req.url ?? "/";
		const q = url.indexOf("?");
		const pathname = q < 0 ? url : url.slice(0, q);
		if (!this.#sources.has(pathname)) return false;
		this.asset(pathname).then(
			a => {
				const headers: Record<string, string> = { "Content-Type": a.type, "Cache-Control": "no-cache", ETag: a.etag, "X-Content-Type-Options": "nosniff", Vary: "Accept-Encoding" };
				if (pathname === "/") headers["Content-Security-Policy"] = DASHBOARD_CSP;
				if (req.headers["if-none-match"] === a.etag) {
					res.writeHead(304, headers);
					return void res.end();
				}
				const gz = a.gzip !== null && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
				const body = gz ? a.gzip! : a.body;
				if (gz) headers["Content-Encoding"] = "gzip";
				headers["Content-Length"] = String(body.length);
				res.writeHead(200, headers);
				res.end(req.method === "HEAD" ? undefined : body);
			},
			(err: Error) => {
				onError(err);
				if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json; charset=utf-8" });
				res.end(JSON.stringify({ error: { code: "INTERNAL_ERROR", message: `could not load ${pathname}` } }));
			},
		);
		return true;
	}
}
