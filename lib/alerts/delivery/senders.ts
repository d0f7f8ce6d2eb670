/**
 * One attempt of one delivery: a signed webhook POST or an email. Each answers an outcome instead
 * of throwing: `delivered`, `retry` (5xx, 408, 429, timeouts, connection errors) or `failed` (a
 * permanent refusal: other 4xx, a refused URL, a redirect), which goes to the dead letters at once.
 */
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
	const e = err as Error & { cause?: { code?: string; message?: string } };
	if (e.name === "TimeoutError") return "timeout";
	return e.cause?.code ?? e.cause?.message ?? e.message;
};

export class WebhookSender implements Sender {
	constructor(private readonly opts: { timeoutMs: number; policy: WebhookUrlPolicy; nowSec: () => number; lookup?: Lookup }) {}

	async send(msg: DeliveryMessage, channel: AlertChannel): Promise<SendOutcome> {
		if (channel.type !== "webhook") return { type: "failed", error: `not a webhook channel: ${channel.type}` };
		const refused = await checkResolvedWebhookUrl(channel.url, this.opts.policy, this.opts.lookup).catch((err: Error) => `webhook url: cannot resolve (${errorText(err)})`);
		if (refused !== null) return refused.includes("cannot resolve") ? { type: "retry", error: refused } : { type: "failed", error: refused };
		const body = deliveryBody(msg);
		try {
			const res = await fetch(channel.url, {
				method: "POST",
				headers: { "content-type": "application/json", [DELIVERY_HEADER]: msg.delivery_id, [SIGNATURE_HEADER]: signatureHeader(channel.secret, this.opts.nowSec(), body), "user-agent": "Rookery-Webhook/1" },
				body,
				redirect: "manual",
				signal: AbortSignal.timeout(this.opts.timeoutMs),
			});
			await res.body?.cancel();
			if (res.status >= 200 && res.status < 300) return { type: "delivered", detail: `HTTP ${res.status}` };
			if (res.status >= 500 || res.status === 408 || res.status === 429) return { type: "retry", error: `HTTP ${res.status}` };
			if (res.status >= 300 && res.status < 400) return { type: "failed", error: `HTTP ${res.status}: redirects are not followed` };
			return { type: "failed", error: `HTTP ${res.status}` };
		} catch (err) {
			return { type: "retry", error: errorText(err) };
		}
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
