/** What the alerts service uses of delivery: the webhook URL check for rule creation (same rule as before each send). */
export { checkWebhookUrl, type WebhookUrlPolicy } from "./url-check.ts";
export { webhookUrlPolicy, type AlertDeliveryConfig } from "./config.ts";
export { verifySignature, signatureHeader, DELIVERY_HEADER, SIGNATURE_HEADER } from "./signature.ts";
