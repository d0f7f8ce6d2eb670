/**
 * The forecast agent's remote mode: a time-series model server answering the JSON inference format
 * of Amazon SageMaker DeepAR (docs.aws.amazon.com/sagemaker/latest/dg/deepar-in-formats.html), the
 * `instances` → `predictions` shape of KServe/TorchServe v1 handlers. One `POST url`:
 *   {"instances": [{"start": "YYYY-MM-DD HH:MM:SS", "target": [closes…]}],
 *    "configuration": {"num_samples": 100, "output_types": ["mean", "quantiles"], "quantiles": ["0.025", "0.1", "0.5", "0.9", "0.975"]},
 *    "prediction_length": h}
 * answered by
 *   {"predictions": [{"mean": [...], "quantiles": {"0.025": [...], "0.1": [...], "0.9": [...], "0.975": [...]}}]}
 * Each series needs at least h finite positive values (extra steps are cut), and at every step
 * 0.025 ≤ 0.1 ≤ 0.9 ≤ 0.975; anything else is a ModelError. The 0.1/0.9 quantiles are the 80%
 * interval, 0.025/0.975 the 95% one, and sigma is read back from the 80% width.
 */
import { AgentModel, type ForecastInput } from "./model.ts";
import { ModelError } from "./errors.ts";
import { forecastDirection, Z, type ForecastPoint, type PriceForecast } from "./forecast.ts";
import { postJson } from "./remote-models.ts";
import { redactUrl } from "../config/redact.ts";

export const FORECAST_QUANTILES = ["0.025", "0.1", "0.5", "0.9", "0.975"] as const;

/** A remote forecast: the built-in one's points and direction, without its model internals. */
export type RemoteForecast = Pick<PriceForecast, "last" | "horizon" | "points" | "direction"> & { model: "deepar-json" };

/** DeepAR's `start`: the first close's time as `YYYY-MM-DD HH:MM:SS` (UTC). */
export function deeparStart(ms: number): string {
	return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

export function forecastRequest(input: ForecastInput): unknown {
	return {
		instances: [{ start: deeparStart(input.start ?? 0), target: input.closes }],
		configuration: { num_samples: 100, output_types: ["mean", "quantiles"], quantiles: [...FORECAST_QUANTILES] },
		prediction_length: input.horizon,
	};
}

/** The first `horizon` values of `x` when they are all finite and positive, else null. */
function series(x: unknown, horizon: number): number[] | null {
	if (!Array.isArray(x) || x.length < horizon) return null;
	const out = x.slice(0, horizon);
	return out.every(v => typeof v === "number" && Number.isFinite(v) && v > 0) ? (out as number[]) : null;
}

/** A validated answer turned into points, or the list of problems. */
export function parseForecastAnswer(x: unknown, last: number, horizon: number): { ok: true; value: RemoteForecast } | { ok: false; problems: string[] } {
	const p = (x as { predictions?: unknown })?.predictions;
	const first = Array.isArray(p) ? (p[0] as { mean?: unknown; quantiles?: Record<string, unknown> } | undefined) : undefined;
	if (!first || typeof first !== "object") return { ok: false, problems: ["no predictions[0] object"] };
	const problems: string[] = [];
	const need = `an array of at least ${horizon} finite positive numbers`;
	const mean = series(first.mean, horizon);
	if (!mean) problems.push(`predictions[0].mean must be ${need}`);
	const q = first.quantiles && typeof first.quantiles === "object" ? first.quantiles : {};
	const [q025, q10, q90, q975] = (["0.025", "0.1", "0.9", "0.975"] as const).map(k => {
		const s = series(q[k], horizon);
		if (!s) problems.push(`predictions[0].quantiles["${k}"] must be ${need}`);
		return s;
	});
	if (!mean || !q025 || !q10 || !q90 || !q975) return { ok: false, problems };
	const points: ForecastPoint[] = [];
	for (let i = 0; i < horizon; i++) {
		if (!(q025[i] <= q10[i] && q10[i] <= q90[i] && q90[i] <= q975[i])) return { ok: false, problems: [`step ${i + 1}: quantiles must satisfy 0.025 ≤ 0.1 ≤ 0.9 ≤ 0.975`] };
		points.push({ step: i + 1, mean: mean[i], lower80: q10[i], upper80: q90[i], lower95: q025[i], upper95: q975[i], sigma: Math.log(q90[i] / q10[i]) / (2 * Z["80"]) });
	}
	return { ok: true, value: { last, horizon, points, direction: forecastDirection(last, points[horizon - 1]), model: "deepar-json" } };
}

export class RemoteForecastModel extends AgentModel<ForecastInput, RemoteForecast> {
	readonly kind = "remote";
	constructor(private readonly url: string) {
		super();
	}

	async run(input: ForecastInput, signal: AbortSignal): Promise<RemoteForecast> {
		const answer = await postJson("forecast", this.url, forecastRequest(input), signal);
		const parsed = parseForecastAnswer(answer, input.closes[input.closes.length - 1], input.horizon);
		if (!parsed.ok) throw new ModelError("forecast", `${redactUrl(this.url)} answered a forecast that does not fit the DeepAR JSON format: ${parsed.problems.join("; ")}`);
		return parsed.value;
	}
}
