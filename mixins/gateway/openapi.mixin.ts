/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of the gateway, built (lib/openapi/openapi.ts)
 * from the REST path tables (lib/routing/routes.ts), the actions' params as the registry holds
 * them across the cluster, and the streaming endpoints that are not actions.
 */
import type { ServiceSchema } from "moleculer";
import { buildOpenApi, type ActionInfo, type ExtraPath } from "../../lib/openapi/openapi.ts";
import { API_ALIASES, RAW_BODY_ALIASES, ROOT_ALIASES, TICKS_ALIASES } from "../../lib/routing/routes.ts";

/** Endpoints that are not actions, for the OpenAPI document. */
const STREAM_PATHS: ExtraPath[] = [
	{
		method: "GET",
		path: "/api/v1/stream",
		summary: "Server-Sent Events: snapshot then updates of the topics; id = topic/seq list; resume with Last-Event-ID",
		responseType: "text/event-stream",
		parameters: [
			{ name: "topics", in: "query", required: true, schema: { type: "string" }, description: "comma-separated topics, e.g. ticks:AAPL,bars:1m:AAPL" },
			{ name: "Last-Event-ID", in: "header", schema: { type: "string" }, description: "the last event id received: resume from there" },
		],
	},
	{
		method: "POST",
		path: "/streaming/subscribe/sse",
		summary: "Predecessor SSE form: {channels, data_types, symbols}",
		responseType: "text/event-stream",
		requestBody: { type: "object", properties: { channels: { type: "array", items: { type: "string" } }, data_types: { type: "array", items: { type: "string" } }, symbols: { type: "array", items: { type: "string" } } } },
	},
];

export const gatewayOpenApiMixin: Partial<ServiceSchema> = {
	actions: {
		/** The OpenAPI 3.1 document, from the route tables and the actions' params. */
		openapi: {
			params: {},
			handler() {
				const actions = new Map<string, ActionInfo>();
				const list = this.broker.registry.getActionList({ onlyAvailable: false, skipInternal: true, withEndpoints: false }) as Array<{ name: string; action?: ActionInfo & { params?: Record<string, unknown> } }>;
				for (const a of list) if (a.action) actions.set(a.name, { name: a.name, params: a.action.params, role: typeof a.action.role === "string" ? a.action.role : undefined, description: a.action.description, openapi: a.action.openapi });
				return buildOpenApi({
					title: "Rookery",
					version: "1",
					tables: [
						{ prefix: "/api/v1/ticks", aliases: TICKS_ALIASES },
						...Object.entries(RAW_BODY_ALIASES).map(([prefix, aliases]) => ({ prefix, aliases })),
						{ prefix: "/api/v1", aliases: API_ALIASES },
						{ prefix: "", aliases: ROOT_ALIASES },
					],
					actions,
					extra: STREAM_PATHS,
				});
			},
		},
	},
};
