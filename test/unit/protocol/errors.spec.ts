import { expect } from "chai";
import { Errors } from "moleculer";
import ApiGateway from "moleculer-web";
import { SequenceConflictError, StoreUnavailableError, toHttpError } from "../../../lib/protocol/errors.ts";

describe("lib/protocol/errors: toHttpError", () => {
	it("maps Moleculer's own errors: validation 422, timeouts and unreachable nodes 503", () => {
		expect(toHttpError(new Errors.ValidationError("bad", "VALIDATION_ERROR", [{ field: "x" }]))).to.deep.include({ status: 422 });
		expect(toHttpError(new Errors.RequestTimeoutError({ action: "a", nodeID: "n" })).status).to.equal(503);
		expect(toHttpError(new Errors.ServiceNotFoundError({ action: "a" })).status).to.equal(503);
		// The caller's deadline passed before the call was made: 514 is not an HTTP status.
		expect(toHttpError(new Errors.RequestSkippedError({ action: "a", nodeID: "n" })).status).to.equal(503);
		expect(toHttpError(new Errors.BrokerDisconnectedError("The broker is disconnected", 502, "BAD_GATEWAY")).status).to.equal(503);
	});

	it("gives an error without a type the code of its status (moleculer-web's 503 while a cluster forms said BAD_REQUEST)", () => {
		expect(toHttpError(new ApiGateway.Errors.ServiceUnavailableError(undefined as unknown as string) /* as moleculer-web throws it */)).to.deep.equal({
			status: 503,
			body: { error: { code: "SERVICE_UNAVAILABLE", message: "Service unavailable", details: undefined } },
		});
		expect(toHttpError(new Errors.MoleculerError("late", 504)).body.error.code).to.equal("GATEWAY_TIMEOUT");
		expect(toHttpError(new Errors.MoleculerError("gone", 404)).body.error.code).to.equal("NOT_FOUND");
		expect(toHttpError(new Errors.MoleculerError("odd", 400)).body.error.code).to.equal("BAD_REQUEST");
	});

	it("maps store errors that escaped a service as 503, not 500", () => {
		expect(toHttpError(new StoreUnavailableError("redis: down")).status).to.equal(503);
		expect(toHttpError(new SequenceConflictError("AAPL", 5, 5)).status).to.equal(503);
		// As they arrive from another node: plain errors that keep their name.
		expect(toHttpError(Object.assign(new Error("log of AAPL is at seq 5"), { name: "SequenceConflictError" })).status).to.equal(503);
	});

	it("never leaks an internal error's message", () => {
		expect(toHttpError(new Error("secret path /etc/x"))).to.deep.equal({ status: 500, body: { error: { code: "INTERNAL_ERROR", message: "internal error" } } });
	});
});
