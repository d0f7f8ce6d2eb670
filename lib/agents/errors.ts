import { UnavailableError } from "../protocol/errors.ts";

/**
 * 503, retryable: a model server answered, but not usefully (HTTP error, a body that is not the
 * expected format, an LLM answer that fails validation). Counted as an agent failure.
 */
export class ModelError extends UnavailableError {
	constructor(agent: string, reason: string, data?: Record<string, unknown>) {
		super(`agent ${agent}: ${reason}`, { agent, reason, ...data });
		this.name = "ModelError";
	}
}
