/**
 * Which URLs a webhook may name. Private and loopback addresses are refused unless configured
 * (`alertDelivery.allowPrivate` / `allowLoopback`), so a rule cannot make Rookery call into its own
 * network (cloud metadata at 169.254.169.254, Redis on 127.0.0.1, …). Checked twice: on the URL as
 * written when a rule is created (`checkWebhookUrl`), and on the addresses its host resolves to
 * before every send (`checkResolvedWebhookUrl`), since a public name may point at a private address.
 */
import { BlockList, isIP } from "node:net";
import { lookup } from "node:dns/promises";

export interface WebhookUrlPolicy {
	allowPrivate: boolean;
	allowLoopback: boolean;
}

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

const privateNets = new BlockList();
for (const [net, prefix] of [
	["0.0.0.0", 8],
	["10.0.0.0", 8],
	["100.64.0.0", 10],
	["169.254.0.0", 16],
	["172.16.0.0", 12],
	["192.0.0.0", 24],
	["192.168.0.0", 16],
	["198.18.0.0", 15],
	["224.0.0.0", 3],
] as const)
	privateNets.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
	["::", 128],
	["fc00::", 7],
	["fe80::", 10],
	["ff00::", 8],
] as const)
	privateNets.addSubnet(net, prefix, "ipv6");

/** `loopback`, `private` or `public` for an IP literal (IPv4-mapped IPv6 as its IPv4). */
export function addressKind(ip: string): "loopback" | "private" | "public" {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
	const addr = mapped ? mapped[1] : ip;
	const family = isIP(addr) === 6 ? "ipv6" : "ipv4";
	if (loopback.check(addr, family)) return "loopback";
	return privateNets.check(addr, family) ? "private" : "public";
}

function refusal(kind: "loopback" | "private" | "public", host: string, policy: WebhookUrlPolicy): string | null {
	if (kind === "loopback" && !policy.allowLoopback) return `webhook url: ${host} is a loopback address (alertDelivery.allowLoopback is off)`;
	if (kind === "private" && !policy.allowPrivate) return `webhook url: ${host} is a private address (alertDelivery.allowPrivate is off)`;
	return null;
}

/** Host of a URL without IPv6 brackets. */
const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, "");

/**
 * Why `url` may not be a webhook (a message naming the problem), or null when it may. Looks at the
 * URL as written: scheme http/https, no loopback or private IP literal, no `localhost` name.
 */
export function checkWebhookUrl(url: string, policy: WebhookUrlPolicy): string | null {
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		return "webhook url: not a valid URL";
	}
	if (u.protocol !== "http:" && u.protocol !== "https:") return `webhook url: scheme must be http or https (got ${u.protocol.slice(0, -1)})`;
	const host = hostOf(u).toLowerCase();
	if (isIP(host)) return refusal(addressKind(host), host, policy);
	if (host === "localhost" || host.endsWith(".localhost")) return refusal("loopback", host, policy);
	return null;
}

export type Lookup = (host: string) => Promise<string[]>;
const dnsLookup: Lookup = async host => (await lookup(host, { all: true })).map(a => a.address);

/** `checkWebhookUrl`, then the same rule for every address the host resolves to now. */
export async function checkResolvedWebhookUrl(url: string, policy: WebhookUrlPolicy, resolve: Lookup = dnsLookup): Promise<string | null> {
	const first = checkWebhookUrl(url, policy);
	if (first !== null) return first;
	const host = hostOf(new URL(url));
	if (isIP(host)) return null;
	for (const addr of await resolve(host)) {
		const r = refusal(addressKind(addr), `${host} (${addr})`, policy);
		if (r !== null) return r;
	}
	return null;
}
