/** 401, 403 and 429: the gateway maps them through toHttpError like every other client error. */
import { Errors } from "moleculer";

const { MoleculerClientError } = Errors;

/** 401: credentials missing where required, forged, expired, or for an unknown/revoked key. */
export class UnauthorizedError extends MoleculerClientError {
	constructor(message: string) {
		super(message, 401, "UNAUTHORIZED");
		this.name = "UnauthorizedError";
	}
}

/** 403: the caller is known but its role or tier does not allow this. */
export class ForbiddenError extends MoleculerClientError {
	constructor(message: string, data?: unknown) {
		super(message, 403, "FORBIDDEN", data);
		this.name = "ForbiddenError";
	}
}

/** 429: the caller's token bucket is empty; `retryAfterMs` says when one request fits again. */
export class RateLimitedError extends MoleculerClientError {
	constructor(
		readonly retryAfterMs: number,
		limit: number,
	) {
		super(`rate limit exceeded (${limit} requests burst); retry after ${Math.ceil(retryAfterMs / 1000)} s`, 429, "RATE_LIMITED", { retryAfterMs });
		this.name = "RateLimitedError";
	}
}
