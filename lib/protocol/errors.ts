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
	BAD_REQUEST: "BAD_REQUEST",
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

/** 422: the input is well-formed JSON but a field is wrong. */
export class ValidationError extends MoleculerClientError {
	constructor(message: string, public readonly fields: FieldError[]) {
		super(message, 422, ErrorCode.VALIDATION, fields);
		this.name = "ValidationError";
	}
}

export class NotFoundError extends MoleculerClientError {
	constructor(message: string, data?: unknown) {
		super(message, 404, ErrorCode.NOT_FOUND, data);
		this.name = "NotFoundError";
	}
}

/** 503: a dependency (store, owner node) is down; the caller may retry the same request. */
export class UnavailableError extends MoleculerRetryableError {
	constructor(message: string, data?: unknown) {
		super(message, 503, ErrorCode.UNAVAILABLE, data);
		this.name = "UnavailableError";
	}
}

/** 503: a bounded queue is full; retry later. */
export class BusyError extends MoleculerRetryableError {
	constructor(message: string, data?: unknown) {
		super(message, 503, ErrorCode.BUSY, data);
		this.name = "BusyError";
	}
}

/** A write whose sequence id is not after the log's last one (the log refused it). */
export class SequenceConflictError extends Error {
	constructor(public readonly symbol: string, public readonly lastSeq: number, public readonly attempted: number) {
		super(`log of ${symbol} is at seq ${lastSeq}; refused seq ${attempted}`);
		this.name = "SequenceConflictError";
	}
}

/** A store call failed for a reason outside the caller's control (connection lost, timeout). */
export class StoreUnavailableError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = "StoreUnavailableError";
	}
}
