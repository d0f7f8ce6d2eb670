/**
 * The OpenAPI 3.1 document of the gateway, built from the REST path tables (lib/routing/routes.ts)
 * and the actions' `params` (fastest-validator rules → JSON Schema), so it cannot drift from what
 * is served. Paths to actions no node runs right now are listed without a parameter schema.
 */
import { objectSchema, toJsonSchema, type JsonSchema } from "./json-schema.ts";

export interface ActionInfo {
	name: string;
	params?: Record<string, unknown>;
	/** `role: "admin"` on the action definition. */
	role?: string;
	description?: string;
	/** Written by hand where params cannot say it (a body checked in lib/): request and answers by status. */
	openapi?: { requestBody?: JsonSchema; responses?: Record<string, { description: string; schema: JsonSchema }> };
}

export interface RouteTable {
	/** Path prefix, e.g. `/api/v1` or `` for the root. */
	prefix: string;
	/** `"GET symbols/:symbol/latest"` → action name. */
	aliases: Record<string, string>;
}

/** An endpoint that is not an action (SSE, WebSocket upgrade): described by hand. */
export interface ExtraPath {
	method: string;
	path: string;
	summary: string;
	parameters?: Array<{ name: string; in: "query" | "header"; required?: boolean; schema: JsonSchema; description?: string }>;
	requestBody?: JsonSchema;
	responseType?: string;
}

const ERROR_SCHEMA: JsonSchema = {
	type: "object",
	required: ["error"],
	properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" }, details: {} } } },
};

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

export function buildOpenApi(opts: { title: string; version: string; tables: RouteTable[]; actions: Map<string, ActionInfo>; extra: ExtraPath[] }): JsonSchema {
	const paths: Record<string, Record<string, unknown>> = {};
	const add = (path: string, method: string, op: Record<string, unknown>) => {
		paths[path] ??= {};
		paths[path][method.toLowerCase()] = op;
	};
	for (const table of opts.tables) {
		for (const [key, actionName] of Object.entries(table.aliases)) {
			const [method, rawPath] = key.trim().split(/\s+/);
			const segs = rawPath.split("/").filter(Boolean);
			const pathParams = segs.filter(s => s.startsWith(":")).map(s => s.slice(1));
			const path = `${table.prefix}/${segs.map(s => (s.startsWith(":") ? `{${s.slice(1)}}` : s)).join("/")}`.replace(/\/+$/, "") || "/";
			const action = opts.actions.get(actionName);
			const params = (action?.params ?? {}) as Record<string, never>;
			const parameters: unknown[] = pathParams.map(name => ({ name, in: "path", required: true, schema: params[name] ? toJsonSchema(params[name]) : { type: "string" } }));
			const rest = Object.fromEntries(Object.entries(params).filter(([k]) => !pathParams.includes(k)));
			const op: Record<string, unknown> = {
				operationId: `${method.toLowerCase()}_${path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "")}`,
				summary: action?.description ?? actionName,
				"x-action": actionName,
				parameters,
				responses: {
					"200": { description: "OK", content: { "application/json": { schema: {} } } },
					"401": errorResponse("credentials missing or refused"),
					"403": errorResponse("the caller's role does not allow it"),
					"422": errorResponse("a field is invalid; details name it"),
					"429": errorResponse("rate limit exceeded; see Retry-After"),
					"503": errorResponse("a dependency is down; retry"),
				},
			};
			if (action?.role) op["x-required-role"] = action.role;
			for (const [status, r] of Object.entries(action?.openapi?.responses ?? {})) (op.responses as Record<string, unknown>)[status] = { description: r.description, content: { "application/json": { schema: r.schema } } };
			if (!action) op.description = "No node runs this action right now: parameters are not known.";
			if (BODY_METHODS.has(method)) {
				const body = action?.openapi?.requestBody ?? (Object.keys(rest).length ? ("body" in rest ? toJsonSchema(rest.body) : objectSchema(rest)) : null);
				if (body) op.requestBody = { required: true, content: { "application/json": { schema: body } } };
			} else {
				for (const [name, rule] of Object.entries(rest)) {
					if (name.startsWith("$$")) continue;
					const s = objectSchema({ [name]: rule });
					parameters.push({ name, in: "query", required: ((s.required as string[] | undefined) ?? []).includes(name), schema: (s.properties as Record<string, JsonSchema>)[name] });
				}
			}
			add(path, method, op);
		}
	}
	for (const x of opts.extra) {
		const op: Record<string, unknown> = {
			summary: x.summary,
			parameters: x.parameters ?? [],
			responses: { "200": { description: "OK", content: { [x.responseType ?? "application/json"]: { schema: {} } } }, "401": errorResponse("credentials missing or refused") },
		};
		if (x.requestBody) op.requestBody = { required: true, content: { "application/json": { schema: x.requestBody } } };
		add(x.path, x.method, op);
	}
	return {
		openapi: "3.1.0",
		info: { title: opts.title, version: opts.version },
		paths,
		components: {
			schemas: { Error: ERROR_SCHEMA },
			securitySchemes: {
				bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT or API key" },
				apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
				token: { type: "apiKey", in: "query", name: "token" },
			},
		},
		security: [{ bearer: [] }, { apiKey: [] }, { token: [] }, {}],
	};
}
