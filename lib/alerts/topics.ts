/**
 * Where alerts are published (docs/alerts.md): NATS `rookery.alerts.{ruleId}` for every firing, and
 * an owner subject `rookery.alerts-owner.{owner token}.{ruleId}` that WebSocket topics read. A
 * client's `alerts:{ruleId}` and `alerts:me` are resolved against the caller's own owner token
 * (admins read the rule's public subject), so a caller can only ever receive its own alerts.
 */
import type { Topic } from "../protocol/wire.ts";
import { ADMIN_ROLE } from "../auth/authenticator.ts";
import { ownerIdOf, type CallerAuth } from "../auth/owner.ts";

export const ALERTS_PREFIX = "rookery.alerts";

/** An owner id as one NATS token (owner ids may hold `.` and `:`). */
export const ownerToken = (owner: string) => Buffer.from(owner).toString("base64url") || "_";

export const alertSubjects = {
	rule: (ruleId: string) => `${ALERTS_PREFIX}.${ruleId}`,
	owner: (owner: string, ruleId: string) => `${ALERTS_PREFIX}-owner.${ownerToken(owner)}.${ruleId}`,
};

/** The topic with the subject this caller may read: its own alerts only (admins: any rule's). */
export function resolveAlertTopic(topic: Topic, caller: CallerAuth | null): Topic {
	if (topic.kind !== "alerts") return topic;
	const owner = ownerIdOf(caller);
	if (topic.id === "me") return { ...topic, subject: alertSubjects.owner(owner, "*") };
	if (caller?.roles.includes(ADMIN_ROLE)) return { ...topic, subject: alertSubjects.rule(topic.id) };
	return { ...topic, subject: alertSubjects.owner(owner, topic.id) };
}
