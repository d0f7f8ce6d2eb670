/**
 * Where pino writes: JSON lines (production, log shippers) or pino-pretty's readable lines when a
 * person watches a terminal. Both carry the same fields (node, module, service, message, and any
 * object logged); only the rendering differs.
 */
import type { Writable } from "node:stream";
import pretty from "pino-pretty";
import type { LogFormat } from "../config/config.ts";

/** `auto` is pretty on a terminal, JSON otherwise (piped, in a container, under a process manager). */
export const resolveLogFormat = (format: LogFormat, isTTY: boolean): "json" | "pretty" => (format === "auto" ? (isTTY ? "pretty" : "json") : format);

/** The stream pino should write to, or undefined for its default (JSON on stdout). */
export function logDestination(format: LogFormat, opts: { isTTY?: boolean; destination?: Writable } = {}): Writable | undefined {
	if (resolveLogFormat(format, opts.isTTY ?? Boolean(process.stdout.isTTY)) === "json") return opts.destination;
	return pretty({ colorize: opts.destination ? false : true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", singleLine: true, sync: true, ...(opts.destination ? { destination: opts.destination } : {}) });
}
