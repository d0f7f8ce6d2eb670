/**
 * One attempt of one delivery: a signed webhook POST or an email. Each answers an outcome instead
 * of throwing: `delivered`, `retry` (5xx, 408, 429, timeouts, connection errors) or `failed` (a
 * permanent refusal: other 4xx, a refused URL, a redirect), which goes to the dead letters at once.
 */
import http from "node:http";
import https from "node:https";
import nodemailer, { type Transporter } from "nodemailer";
import type { AlertChannel, DeliveryMessage } from "../types.ts";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signatureHeader } from "./signature.ts";
import { checkResolvedWebhookUrl, type Lookup, type WebhookUrlPolicy } from "./url-check.ts";

export type SendOutcome = { type: "delivered"; detail: string } | { type: "retry"; error: string } | { type: "failed"; error: string };

export interface Sender {
	send(msg: DeliveryMessage, channel: AlertChannel): Promise<SendOutcome>;
	close?(): void;
}

/** The JSON body of a webhook POST (and of an email's text part). */
export function deliveryBody(msg: DeliveryMessage): string {
	return JSON.stringify({ type: "alert", delivery_id: msg.delivery_id, alert: msg.alert });
}

const errorText = (err: unknown) => {
	const e = err as Error & { code?: string; cause?: { code?: string; message?: string; name?: string } };
	if (e.name === "TimeoutError" || e.cause?.name === "TimeoutError") return "timeout";
	return e.code ?? e.cause?.code ?? e.cause?.message ?? e.message;
};

/**
 * POST with node:http(s) over keep-alive agents: measured about 6× the requests/s of fetch to a
 * local receiver on the loaded test machine (bench/alert-delivery.ts). Redirects are not followed.
 */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, agents: { http: http.Agent; https: https.Agent }): Promise<number> {
	return new Promise((resolve, reject) => {
		const secure = url.protocol === "https:";
		const req = (secure ? https : http).request(
			url,
			{ method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent: secure ? agents.https : agents.http, signal: AbortSignal.timeout(timeoutMs) },
			res => {
				res.resume();
				res.once("end", () => resolve(res.statusCode ?? 0));
				res.once("error", reject);
			},
		);
		req.once("error", reject);
		req.end(body);
	});
}

export class WebhookSender implements Sender {
	readonly #agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };

	constructor(private readonly opts: { timeoutMs: number; policy: WebhookUrlPolicy; nowSec: () => number; lookup?: Lookup }) {}

	async send(msg: DeliveryMessage, channel: AlertChannel): Promise<SendOutcome> {
		if (channel.type !== "webhook") return { type: "failed", error: `not a webhook channel: ${channel.type}` };
		const refused = await checkResolvedWebhookUrl(channel.url, this.opts.policy, this.opts.lookup).catch((err: Error) => `webhook url: cannot resolve (${errorText(err)})`);
		if (refused !== null) return refused.includes("cannot resolve") ? { type: "retry", error: refused } : { type: "failed", error: refused };
		const body = deliveryBody(msg);
		const headers = { "content-type": "application/json", [DELIVERY_HEADER]: msg.delivery_id, [SIGNATURE_HEADER]: signatureHeader(channel.secret, this.opts.nowSec(), body), "user-agent": "Rookery-Webhook/1" };
		try {
			const status = await post(new URL(channel.url), headers, body, this.opts.timeoutMs, this.#agents);
			if (status >= 200 && status < 300) return { type: "delivered", detail: `HTTP ${status}` };
			if (status >= 500 || status === 408 || status === 429) return { type: "retry", error: `HTTP ${status}` };
			if (status >= 300 && status < 400) return { type: "failed", error: `HTTP ${status}: redirects are not followed` };
			return { type: "failed", error: `HTTP ${status}` };
		} catch (err) {
			return { type: "retry", error: errorText(err) };
		}
	}

	close(): void {
		this.#agents.http.destroy();
		this.#agents.https.destroy();
	}
}

export class EmailSender implements Sender {
	readonly #transport: Transporter | null;

	constructor(private readonly opts: { smtpUrl: string | null; from: string; timeoutMs: number }) {
		this.#transport = opts.smtpUrl ? nodemailer.createTransport({ url: opts.smtpUrl, connectionTimeout: opts.timeoutMs, greetingTimeout: opts.timeoutMs, socketTimeout: opts.timeoutMs } as never) : null;
	}

	async send(msg: DeliveryMessage, channel: AlertChannel): Promise<SendOutcome> {
		if (channel.type !== "email") return { type: "failed", error: `not an email channel: ${channel.type}` };
		if (!this.#transport) return { type: "failed", error: "email: no SMTP server configured (alertDelivery.smtpUrl)" };
		const a = msg.alert;
		try {
			const info = await this.#transport.sendMail({
				from: this.opts.from,
				to: channel.to,
				subject: `[${a.severity}] ${a.rule_name}: ${a.message}`,
				text: `${a.message}\n\nRule: ${a.rule_name} (${a.rule_id})\nSeverity: ${a.severity}\nAt: ${new Date(a.ts).toISOString()}\nInputs: ${JSON.stringify(a.inputs)}\nDelivery: ${msg.delivery_id}\n`,
				// The same on every attempt, so a mail system or reader can de-duplicate.
				messageId: `<${msg.delivery_id.replace(/[^A-Za-z0-9._:-]/g, "_")}@rookery>`,
				headers: { [DELIVERY_HEADER]: msg.delivery_id },
			});
			return { type: "delivered", detail: `SMTP ${info.response}` };
		} catch (err) {
			const code = (err as { responseCode?: number }).responseCode;
			// 5xx: the server refuses this message for good (bad mailbox, policy); 4xx and no answer: try again.
			if (code !== undefined && code >= 500) return { type: "failed", error: `SMTP ${code}: ${(err as Error).message}` };
			return { type: "retry", error: `SMTP ${code ?? errorText(err)}` };
		}
	}

	close(): void {
		this.#transport?.close();
	}
}
