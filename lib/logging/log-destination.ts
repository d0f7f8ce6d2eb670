/**
 * Where pino writes: JSON lines (production, log shippers) or pino-pretty's readable lines when a
 * person watches a terminal. Both carry the same fields (node, module, service, message, and any
 * object logged); only the rendering differs.
 */
import { createRequire } from "node:module";
import type { Writable } from "node:stream";
import type { LogFormat } from "../config/config.ts";

// Loaded only when used: pino-pretty and its dependencies take ~0.2 s to load, which JSON-logging
// nodes (containers, tests) would otherwise pay at every start.
const loadPretty = () => createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");

/** `auto` is pretty on a terminal, JSON otherwise (piped, in a container, under a process manager). */
export const resolveLogFormat = (format: LogFormat, isTTY: boolean): "json" | "pretty" => (format === "auto" ? (isTTY ? "pretty" : "json") : format);

/** The stream pino should write to, or undefined for its default (JSON on stdout). */
export function logDestination(format: LogFormat, opts: { isTTY?: boolean; destination?: Writable } = {}): Writable | undefined {
	if (resolveLogFormat(format, opts.isTTY ?? Boolean(process.stdout.isTTY)) === "json") return opts.destination;
	return loadPretty()({ colorize: opts.destination ? false : true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", singleLine: true, sync: true, ...(opts.destination ? { destination: opts.destination } : {}) });
}
