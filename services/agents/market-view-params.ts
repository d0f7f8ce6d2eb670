/** Validation of a MarketView (lib/agents/market-view.ts) sent to the explain and strategy agents. */
const num = { type: "number", convert: false };
export const marketViewParams = {
	type: "object",
	props: {
		symbol: { type: "string", min: 1, max: 24 },
		tf: { type: "string", min: 1, max: 8 },
		price: { ...num, nullable: true },
		indicators: { type: "record", key: { type: "string", max: 64 }, value: { type: "number", nullable: true, convert: false } },
		signals: { type: "array", max: 50, items: { type: "object", props: { strategy: "string", direction: { type: "enum", values: ["long", "short"] }, strength: num, reason: "string", barTime: num } } },
		bars: { type: "array", max: 5000, items: { type: "object", props: { time: num, open: num, high: num, low: num, close: num, volume: num } } },
		news: { type: "array", max: 100, items: { type: "object", props: { title: { type: "string", max: 2000 } } } },
		newsPolarity: { ...num, nullable: true, optional: true },
	},
};
