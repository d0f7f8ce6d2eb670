/**
 * fastest-validator rules → JSON Schema (draft 2020-12, as OpenAPI 3.1 uses). Covers the rule
 * types our actions use; a rule it does not know becomes `{}` (anything), never a wrong schema.
 */
export type JsonSchema = Record<string, unknown>;

type Rule = string | Record<string, unknown> | Rule[];

/** "number|optional|min:1" → { type: "number", optional: true, min: 1 } (fastest-validator shorthand). */
function expand(rule: Rule): Record<string, unknown> {
	if (Array.isArray(rule)) return { type: "multi", rules: rule };
	if (typeof rule !== "string") return rule;
	const [type, ...opts] = rule.split("|");
	const out: Record<string, unknown> = { type };
	for (const o of opts) {
		const [k, v] = o.split(":");
		out[k] = v === undefined ? true : v === "true" ? true : v === "false" ? false : Number.isNaN(Number(v)) ? v : Number(v);
	}
	return out;
}

export function isOptional(rule: Rule): boolean {
	const r = expand(rule);
	return r.optional === true || r.default !== undefined;
}

export function toJsonSchema(rule: Rule): JsonSchema {
	const r = expand(rule);
	let s: JsonSchema;
	switch (r.type) {
		case "string":
			s = { type: "string" };
			if (typeof r.min === "number") s.minLength = r.min;
			if (typeof r.max === "number") s.maxLength = r.max;
			if (typeof r.length === "number") s.minLength = s.maxLength = r.length;
			if (r.pattern instanceof RegExp) s.pattern = r.pattern.source;
			else if (typeof r.pattern === "string") s.pattern = r.pattern;
			if (Array.isArray(r.enum)) s.enum = r.enum;
			break;
		case "number":
			s = { type: r.integer ? "integer" : "number" };
			if (typeof r.min === "number") s.minimum = r.min;
			if (typeof r.max === "number") s.maximum = r.max;
			if (r.positive) s.exclusiveMinimum = 0;
			if (r.negative) s.exclusiveMaximum = 0;
			break;
		case "boolean":
			s = { type: "boolean" };
			break;
		case "enum":
			s = { enum: Array.isArray(r.values) ? r.values : [] };
			break;
		case "equal":
			s = { const: r.value };
			break;
		case "email":
			s = { type: "string", format: "email" };
			break;
		case "url":
			s = { type: "string", format: "uri" };
			break;
		case "uuid":
			s = { type: "string", format: "uuid" };
			break;
		case "date":
			s = { type: "string", format: "date-time" };
			break;
		case "array":
			s = { type: "array" };
			if (r.items !== undefined) s.items = toJsonSchema(r.items as Rule);
			if (typeof r.min === "number") s.minItems = r.min;
			if (typeof r.max === "number") s.maxItems = r.max;
			if (r.unique) s.uniqueItems = true;
			break;
		case "object": {
			const props = (r.props ?? r.properties) as Record<string, Rule> | undefined;
			s = props ? objectSchema(props) : { type: "object" };
			if (r.strict === true || r.strict === "remove") s.additionalProperties = r.strict === true ? false : true;
			break;
		}
		case "record":
			s = { type: "object", additionalProperties: r.value ? toJsonSchema(r.value as Rule) : {} };
			break;
		case "multi":
			s = { oneOf: (r.rules as Rule[]).map(toJsonSchema) };
			break;
		default:
			s = {};
	}
	if (r.nullable === true && typeof s.type === "string") s.type = [s.type, "null"];
	if (r.default !== undefined && typeof r.default !== "function") s.default = r.default;
	return s;
}

/** An object schema from a `params` block (`$$strict` → no other properties). */
export function objectSchema(params: Record<string, Rule>): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	const required: string[] = [];
	for (const [k, rule] of Object.entries(params)) {
		if (k.startsWith("$$")) continue;
		properties[k] = toJsonSchema(rule);
		if (!isOptional(rule)) required.push(k);
	}
	const s: JsonSchema = { type: "object", properties };
	if (required.length) s.required = required;
	if ((params as Record<string, unknown>).$$strict === true) s.additionalProperties = false;
	return s;
}
