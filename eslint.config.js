import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
	{ ignores: ["node_modules/", "bench/results/", "public/vendor/"] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		rules: {
			"@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
			"@typescript-eslint/no-explicit-any": "off",
			"no-constant-condition": ["error", { checkLoops: false }],
		},
	},
	{
		files: ["**/*.cjs"],
		languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", console: "readonly" } },
		rules: { "@typescript-eslint/no-require-imports": "off" },
	},
	{
		files: ["public/**/*.js"],
		languageOptions: { globals: { window: "readonly", document: "readonly", WebSocket: "readonly", fetch: "readonly", console: "readonly", sessionStorage: "readonly" } },
	},
);
