/**
 * Error codes shared by every service, and the classes that carry them. The gateway maps a
 * class to an HTTP status and a WS error frame in one place (services/gateway.service.ts).
 */
import { Errors } from "moleculer";

const { MoleculerClientError, MoleculerRetryableError } = Errors;

export const ErrorCode = {
	VALIDATION: "VALIDATION_ERROR",
	NOT_FOUND: "NOT_FOUND",
	PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
	CONFLICT: "CONFLICT",
	UNAVAILABLE: "SERVICE_UNAVAILABLE",
	BUSY: "BUSY",
	TIMEOUT: "GATEWAY_TIMEOUT",
	BAD_REQUEST: "BAD_REQUEST",
	/** A JSON body or frame nested deeper than the parse limit (lib/validation/json.ts). */
	JSON_TOO_DEEP: "JSON_TOO_DEEP",
	/** A JSON body or frame with a `__proto__` key or `constructor.prototype`. */
	JSON_FORBIDDEN_KEY: "JSON_FORBIDDEN_KEY",
	INTERNAL: "INTERNAL_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One failed field, as fastest-validator reports it. */
export interface FieldError {
	field: string;
	message: string;
	type?: string;
	actual?: unknown;
}

type MoleculerErrorClass = new (message: string, code: number, type: string, data?: unknown) => InstanceType<typeof Errors.MoleculerError>;

/** A Moleculer error class with a fixed status, code and name: `new X(message, data?)`. */
function fixedError(Base: MoleculerErrorClass, name: string, status: number, code: ErrorCode) {
	return class extends Base {
		constructor(message: string, data?: unknown) {
			super(message, status, code, data);
			this.name = name;
		}
	};
}

/** 422: the input is well-formed JSON but a field is wrong. */
export class ValidationError extends MoleculerClientError {
	constructor(
		message: string,
		public readonly fields: FieldError[],
	) {
		super(message, 422, ErrorCode.VALIDATION, fields);
		this.name = "ValidationError";
	}
}

export class NotFoundError extends fixedError(MoleculerClientError, "NotFoundError", 404, ErrorCode.NOT_FOUND) {}

export type JsonRefusal = "depth" | "prototype-key";

/** 400: JSON that is well-formed but refused at parse; `reason` labels `rookery_json_refused_total`. */
export class JsonRefusedError extends MoleculerClientError {
	constructor(
		public readonly reason: JsonRefusal,
		message: string,
	) {
		super(message, 400, reason === "depth" ? ErrorCode.JSON_TOO_DEEP : ErrorCode.JSON_FORBIDDEN_KEY);
		this.name = "JsonRefusedError";
	}
}

/** 503: a dependency (store, owner node) is down; the caller may retry the same request. */
export class UnavailableError extends fixedError(MoleculerRetryableError, "UnavailableError", 503, ErrorCode.UNAVAILABLE) {}

/** 503: a bounded queue is full; retry later. */
export class BusyError extends fixedError(MoleculerRetryableError, "BusyError", 503, ErrorCode.BUSY) {}

/** 504: a call to a dependency (model server, agent) did not answer within its time limit; retry later. */
export class TimeoutError extends fixedError(MoleculerRetryableError, "TimeoutError", 504, ErrorCode.TIMEOUT) {}

/** A write whose sequence id is not after the log's last one (the log refused it). */
export class SequenceConflictError extends Error {
	constructor(
		public readonly symbol: string,
		public readonly lastSeq: number,
		public readonly attempted: number,
	) {
		super(`log of ${symbol} is at seq ${lastSeq}; refused seq ${attempted}`);
		this.name = "SequenceConflictError";
	}
}

/**
 * A write carried a fencing token that is no longer the symbol's lease: another node owns the
 * symbol now (or the lease lapsed). The writer must stop writing for that symbol.
 */
export class FencedError extends Error {
	constructor(
		public readonly symbol: string,
		public readonly holder: string | null,
	) {
		super(`${symbol} is leased to ${holder ?? "nobody"}; this writer's lease is gone`);
		this.name = "FencedError";
	}
}

/** A store call failed for a reason outside the caller's control (connection lost, timeout). */
export class StoreUnavailableError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = "StoreUnavailableError";
	}
}

/** The JSON error body of every REST response. */
export interface ErrorBody {
	error: { code: string; message: string; details?: unknown };
}

// REQUEST_SKIPPED (514): the call's deadline passed before it was made; BAD_GATEWAY (502): the
// broker is disconnected from the transporter. Neither code is an HTTP status a client retries.
// Their messages and data name the action and the node; the client gets one of these instead (the
// gateway's log keeps the original).
const RETRY_LATER: ReadonlyMap<string, string> = new Map([
	["SERVICE_NOT_FOUND", "no node can serve this request right now; retry shortly"],
	["SERVICE_NOT_AVAILABLE", "no node can serve this request right now; retry shortly"],
	["BAD_GATEWAY", "no node can serve this request right now; retry shortly"],
	["REQUEST_TIMEOUT", "the request timed out inside the cluster; retry shortly"],
	["REQUEST_SKIPPED", "the request timed out inside the cluster; retry shortly"],
	["REQUEST_REJECTED", "the cluster is busy; retry shortly"],
	["QUEUE_FULL", "the cluster is busy; retry shortly"],
]);
/** Keys Moleculer adds to error data (validation errors, remote errors) that name cluster internals. */
const INTERNAL_KEYS = new Set(["nodeID", "action", "event"]);

/** Error details as a client may see them: without Moleculer's node and action names. */
function publicDetails(data: unknown): unknown {
	const strip = (v: unknown): unknown => {
		if (!v || typeof v !== "object" || Array.isArray(v)) return v;
		const out: Record<string, unknown> = {};
		for (const [k, x] of Object.entries(v)) if (!INTERNAL_KEYS.has(k)) out[k] = x;
		return out;
	};
	return Array.isArray(data) ? data.map(strip) : strip(data);
}
/** Store errors that escaped a service's own mapping (by name: from another node they arrive as plain errors). */
const STORE_ERRORS = new Set(["StoreUnavailableError", "SequenceConflictError"]);

/** The code of an error that carries a status but no type (moleculer-web's ServiceUnavailableError while a cluster forms). */
const CODE_OF_STATUS: Record<number, ErrorCode> = { 404: ErrorCode.NOT_FOUND, 409: ErrorCode.CONFLICT, 413: ErrorCode.PAYLOAD_TOO_LARGE, 422: ErrorCode.VALIDATION, 503: ErrorCode.UNAVAILABLE, 504: ErrorCode.TIMEOUT };

/**
 * Map any error (ours, Moleculer's, body-parser's) to an HTTP status and error body, in one place.
 * Errors that mean "no node can serve this right now" become 503 so clients retry.
 */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
	const e = (err ?? {}) as { name?: unknown; code?: unknown; status?: unknown; type?: unknown; message?: unknown; data?: unknown };
	const type = typeof e.type === "string" ? e.type : "";
	const message = typeof e.message === "string" && e.message ? e.message : "internal error";
	if (type === "entity.parse.failed") return { status: 400, body: { error: { code: ErrorCode.BAD_REQUEST, message: `body is not valid JSON: ${message}` } } };
	if (type === "entity.too.large" || e.status === 413) return { status: 413, body: { error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: "request body too large" } } };
	const retry = RETRY_LATER.get(type);
	if (retry) return { status: 503, body: { error: { code: ErrorCode.UNAVAILABLE, message: retry } } };
	if (typeof e.name === "string" && STORE_ERRORS.has(e.name)) return { status: 503, body: { error: { code: ErrorCode.UNAVAILABLE, message: "the store is unavailable or busy; retry shortly" } } };
	const raw = typeof e.code === "number" ? e.code : typeof e.status === "number" ? e.status : 500;
	const status = raw >= 400 && raw < 600 ? raw : 500;
	if (status === 500) return { status, body: { error: { code: ErrorCode.INTERNAL, message: "internal error" } } };
	return { status, body: { error: { code: type || (CODE_OF_STATUS[status] ?? ErrorCode.BAD_REQUEST), message, details: publicDetails(e.data) } } };
}
