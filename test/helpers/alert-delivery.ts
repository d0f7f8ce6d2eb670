/**
 * Parts for the alert-delivery tests: a webhook receiver with a switch (fail with 500 / answer 200)
 * that checks every signature and counts 2xx answers per delivery id, an SMTP server that can be
 * down and up again on one port, the `alerts` stand-in that records `alerts.recordDelivery` calls,
 * and delivery messages as the alerts service sends them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { ServiceSchema } from "moleculer";
import type { AlertChannel, DeliveryMessage, DeliveryResult, Severity } from "../../lib/alerts/types.ts";
import { verifySignature } from "../../lib/alerts/delivery/signature.ts";

export interface ReceivedHook {
	id: string;
	status: number;
	signatureOk: boolean;
	body: string;
}

export class WebhookReceiver {
	failing = false;
	/** Answer this status while failing. */
	failStatus = 500;
	/** Wait this long before answering (keeps deliveries in flight). */
	delayMs = 0;
	/** Ids whose first attempt is answered 500 (so they go through a retry). */
	failFirstOf: (id: string) => boolean = () => false;
	/** Called on every 2xx answer, with when its request arrived and the sender's port (its connection's). */
	onAccept: (id: string, receivedAt: number, remotePort: number) => void = () => {};
	readonly received: ReceivedHook[] = [];
	/** 2xx answers per delivery id. */
	readonly accepted = new Map<string, number>();
	#server!: http.Server;

	constructor(readonly secret: string) {}

	get url(): string {
		return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
	}

	async start(): Promise<this> {
		this.#server = http.createServer((req, res) => {
			let body = "";
			req.setEncoding("utf8").on("data", d => (body += d));
			const receivedAt = Date.now();
			// Read now: a sender that dies while the answer waits leaves a destroyed socket without a port.
			const remotePort = req.socket.remotePort ?? 0;
			req.on("end", () => {
				const id = String(req.headers["x-rookery-delivery"]);
				const signatureOk = verifySignature(req.headers["x-rookery-signature"] as string | undefined, this.secret, body, Math.floor(Date.now() / 1000));
				const status = this.failing ? this.failStatus : this.failFirstOf(id) && this.attemptsOf(id) === 0 ? 500 : 200;
				this.received.push({ id, status, signatureOk, body });
				const answer = () => {
					if (status < 300) {
						this.accepted.set(id, (this.accepted.get(id) ?? 0) + 1);
						this.onAccept(id, receivedAt, remotePort);
					}
					res.writeHead(status, { "content-type": "application/json" }).end("{}");
				};
				if (this.delayMs > 0) setTimeout(answer, this.delayMs);
				else answer();
			});
		});
		await new Promise<void>(resolve => this.#server.listen(0, "127.0.0.1", resolve));
		return this;
	}

	attemptsOf(id: string): number {
		return this.received.filter(r => r.id === id).length;
	}

	/** Ids answered 2xx more than once. */
	duplicates(): string[] {
		return [...this.accepted].filter(([, n]) => n > 1).map(([id]) => id);
	}

	async stop(): Promise<void> {
		this.#server.closeAllConnections();
		await new Promise(resolve => this.#server.close(resolve));
	}
}

export interface ReceivedMail {
	id: string;
	to: string;
	raw: string;
}

/** An SMTP server on a fixed port that can be down (nothing listening) and started again. */
export class SmtpSink {
	readonly mails: ReceivedMail[] = [];
	#server: SMTPServer | null = null;

	constructor(readonly port: number) {}

	get url(): string {
		return `smtp://127.0.0.1:${this.port}`;
	}

	async up(): Promise<void> {
		this.#server = new SMTPServer({
			authOptional: true,
			disabledCommands: ["STARTTLS"],
			logger: false,
			onData: (stream, session, callback) => {
				let raw = "";
				stream.setEncoding("utf8").on("data", (d: string) => (raw += d));
				stream.on("end", () => {
					const id = /^X-Rookery-Delivery: (.+)$/im.exec(raw)?.[1].trim() ?? "";
					this.mails.push({ id, to: session.envelope.rcptTo.map(r => r.address).join(","), raw });
					callback();
				});
			},
		});
		await new Promise<void>(resolve => this.#server!.listen(this.port, "127.0.0.1", resolve));
	}

	async down(): Promise<void> {
		const s = this.#server;
		this.#server = null;
		if (s) await new Promise<void>(resolve => s.close(() => resolve()));
	}

	countOf(id: string): number {
		return this.mails.filter(m => m.id === id).length;
	}
}

/** Stands in for the alerts service's `recordDelivery` (the results land in `results`). */
export function alertsRecorder(results: DeliveryResult[]): ServiceSchema {
	return {
		name: "alerts",
		actions: {
			recordDelivery: {
				handler(ctx: { params: DeliveryResult }) {
					results.push(ctx.params);
					return { ok: true };
				},
			},
		},
	};
}

/** The newest recorded status of each delivery id. */
export function latestStatus(results: DeliveryResult[]): Map<string, DeliveryResult> {
	const m = new Map<string, DeliveryResult>();
	for (const r of results) m.set(r.delivery_id, r);
	return m;
}

/** One delivery message as the alerts service sends it (channel index 0). */
export function deliveryMessage(alertId: string, channel: AlertChannel, severity: Severity = "high", owner = "anonymous"): DeliveryMessage {
	return {
		delivery_id: `${alertId}:0`,
		alert: { alert_id: alertId, rule_id: "rule-1", rule_name: "AAPL above 200", owner, severity, message: "AAPL crossed above 200", ts: Date.now(), inputs: { price: 201.5, previous: 199.9 } },
		channel,
	};
}
