import { expect } from "chai";
import { AgentRunner } from "../../../lib/agents/agent-runner.ts";
import { createModel } from "../../../lib/agents/models.ts";
import { ModelError } from "../../../lib/agents/errors.ts";
import { directionOf } from "../../../lib/agents/fusion.ts";
import { deeparStart, parseForecastAnswer } from "../../../lib/agents/remote-forecast.ts";
import type { AgentSettings } from "../../../lib/agents/model.ts";
import { sendJson, startFakeModelServer, type FakeModelServer } from "./fake-model-server.ts";

const settings = (url: string): AgentSettings => ({ url, model: null, timeoutMs: 2000, maxConcurrent: 4, queueLimit: 4, weight: 1, enabled: true });
const runner = (url: string) => new AgentRunner<any, any>("forecast", settings(url), x => createModel("forecast", x), { now: Date.now });
const closes = Array.from({ length: 30 }, (_, i) => 100 + i * 0.5);
const start = Date.UTC(2026, 11, 6, 9, 30, 0);

/** A DeepAR-style answer for `h` steps rising by `step` from 115, with a band of ±`w` (80%) and ±2w (95%). */
function deepar(h: number, step = 1, w = 1) {
	const mean = Array.from({ length: h }, (_, i) => 115 + step * (i + 1));
	const shift = (d: number) => mean.map(m => m + d);
	return { predictions: [{ mean, quantiles: { "0.025": shift(-2 * w), "0.1": shift(-w), "0.5": mean, "0.9": shift(w), "0.975": shift(2 * w) } }] };
}

describe("lib/agents remote forecast (DeepAR JSON format, local server over real HTTP)", () => {
	let server: FakeModelServer | null = null;
	afterEach(async () => {
		await server?.close();
		server = null;
	});

	it("sends the closes as a DeepAR instance and reads mean and quantiles into points", async () => {
		server = await startFakeModelServer((req, res) => sendJson(res, deepar(req.body.prediction_length + 2)));
		const out = await runner(`${server.url}/invocations`).run({ closes, horizon: 3, start });
		expect(out.mode).to.equal("remote");
		expect(server.requests[0]).to.deep.equal({
			path: "/invocations",
			body: {
				instances: [{ start: "2026-12-06 09:30:00", target: closes }],
				configuration: { num_samples: 100, output_types: ["mean", "quantiles"], quantiles: ["0.025", "0.1", "0.5", "0.9", "0.975"] },
				prediction_length: 3,
			},
		});
		const f = out.result;
		expect(f).to.include({ last: 114.5, horizon: 3, direction: 1, model: "deepar-json" });
		expect(f.points).to.have.length(3);
		expect(f.points[0]).to.deep.include({ step: 1, mean: 116, lower80: 115, upper80: 117, lower95: 114, upper95: 118 });
		expect(f.points[0].sigma).to.be.closeTo(Math.log(117 / 115) / (2 * 1.2815515655446004), 1e-12);
		// the unified confidence reads it as it reads the built-in forecast
		expect(directionOf("forecast", f)).to.be.greaterThan(0.9);
	});

	it("a flat forecast inside its band has direction 0", () => {
		const r = parseForecastAnswer(deepar(2, 0, 5), 115, 2);
		expect(r.ok && r.value.direction).to.equal(0);
	});

	it("malformed answers are agent errors naming what is wrong, counted, never a crash", async () => {
		const good = deepar(3);
		const bad: unknown[] = [
			{ predictions: [] },
			{ predictions: [{ ...good.predictions[0], mean: [116, 117] }] },
			{ predictions: [{ mean: good.predictions[0].mean, quantiles: { "0.1": good.predictions[0].quantiles["0.1"] } }] },
			{ predictions: [{ ...good.predictions[0], mean: [116, -1, "x"] }] },
			{ predictions: [{ ...good.predictions[0], quantiles: { ...good.predictions[0].quantiles, "0.9": [100, 100, 100] } }] },
			"not json",
		];
		let i = 0;
		server = await startFakeModelServer((_req, res) => {
			const body = bad[i++];
			if (typeof body === "string") {
				res.writeHead(200, { "content-type": "application/json" });
				res.end(body);
			} else sendJson(res, body);
		});
		const r = runner(server.url);
		const messages: string[] = [];
		for (let n = 0; n < bad.length; n++) {
			const err = await r.run({ closes, horizon: 3, start }).catch(e => e);
			expect(err, `answer ${n}`).to.be.instanceOf(ModelError);
			messages.push(err.message);
		}
		expect(messages[0]).to.match(/no predictions\[0\] object/);
		expect(messages[1]).to.match(/predictions\[0\]\.mean must be an array of at least 3 finite positive numbers/);
		expect(messages[2])
			.to.match(/quantiles\["0\.025"\] must be/)
			.and.match(/quantiles\["0\.975"\]/)
			.and.not.match(/quantiles\["0\.1"\]/);
		expect(messages[3]).to.match(/mean must be/);
		expect(messages[4]).to.match(/step 1: quantiles must satisfy/);
		expect(messages[5]).to.match(/not JSON/);
		expect(r.status()).to.deep.include({ calls: 6, errors: 6 });
	});

	it("an HTTP error from the model server is an agent error", async () => {
		server = await startFakeModelServer((_req, res) => sendJson(res, { message: "model not loaded" }, 503));
		const err = await runner(server.url)
			.run({ closes, horizon: 3 })
			.catch(e => e);
		expect(err).to.be.instanceOf(ModelError);
		expect(err.message).to.match(/answered HTTP 503/);
	});

	it("start defaults to the epoch when the caller has no bar times", () => {
		expect(deeparStart(0)).to.equal("1970-01-01 00:00:00");
	});
});
