/**
 * The finance lexicon of the built-in sentiment model. Weights are in [-3, 3] from the point of
 * view of the named company's shareholders. Phrases (several words) are matched before single
 * words, longest first, so "guidance cut" is one negative term and not "guidance" + "cut".
 * Words are matched after lower-casing and splitting on anything but letters, digits and `'`.
 */

/** Multi-word terms. A weight of 0 marks a phrase that means "nothing happened" (it also blocks its words). */
// biome-ignore format: a word table reads best packed
export const PHRASES: Record<string, number> = {
	// results vs expectations
	"better than expected": 2.2, "better than feared": 1.8, "better than estimated": 2.2, "above expectations": 2, "above estimates": 2,
	"above consensus": 2, "tops estimates": 2, "top estimates": 2, "tops expectations": 2, "top expectations": 2, "tops forecasts": 2, "top forecasts": 2,
	"worse than expected": -2.2, "worse than feared": -2.2, "below expectations": -2, "below estimates": -2, "below consensus": -2,
	"fall short": -2, "falls short": -2, "fell short": -2, "short of expectations": -2, "miss estimates": -2, "misses estimates": -2,
	"not as bad as feared": 1.8, "less than feared": 1.5, "as bad as feared": -1,
	// guidance and outlook
	"raises guidance": 2.5, "raised guidance": 2.5, "raises outlook": 2.5, "lifts outlook": 2.5, "lifts guidance": 2.5, "boosts outlook": 2.5,
	"raises forecast": 2.5, "lifts forecast": 2.5, "raises full year": 2, "raises annual": 2, "lifts full year": 2, "upbeat outlook": 2, "upbeat forecast": 2,
	"guidance cut": -2.5, "cuts guidance": -2.5, "cut guidance": -2.5, "lowers guidance": -2.5, "lowers outlook": -2.5, "cuts outlook": -2.5,
	"cuts forecast": -2.5, "lowers forecast": -2.5, "slashes outlook": -3, "slashes guidance": -3, "slashes forecast": -3, "withdraws guidance": -2.5,
	"weak outlook": -2, "weak forecast": -2, "weak guidance": -2, "disappointing outlook": -2.2, "profit warning": -2.5, "reaffirms outlook": 0.8, "reaffirms guidance": 0.8,
	"cuts full year": -2, "cuts annual": -2,
	// capital return
	"share buyback": 1.5, "stock buyback": 1.5, "raises dividend": 2, "boosts dividend": 2, "lifts dividend": 2, "dividend increase": 2,
	"cuts dividend": -2.5, "suspends dividend": -2.5, "dividend cut": -2.5,
	// analysts
	"price target raised": 1.5, "raises price target": 1.5, "price target cut": -1.5, "cuts price target": -1.5, "lowers price target": -1.5,
	"upgraded to buy": 2, "upgraded to overweight": 2, "upgraded to outperform": 2, "downgraded to sell": -2.2, "downgraded to underperform": -2.2,
	"downgraded to neutral": -1.5, "downgraded to hold": -1.5, "downgraded to underweight": -2,
	// levels and records
	"all time high": 2, "record high": 2, "record low": -2.2, "year low": -1.8, "52 week low": -1.8, "52 week high": 1.5,
	"record profit": 2.2, "record revenue": 2, "record sales": 2, "record loss": -2.5,
	// corporate events
	"lay off": -1.5, "lays off": -1.5, "job cuts": -1.5, "cost cuts": -0.5, "files for bankruptcy": -3, "chapter 11": -3,
	"swings to profit": 2, "swings to loss": -2.2, "returns to profitability": 2, "first annual operating profit": 2, "first annual profit": 2,
	"wider than expected loss": -2.2, "narrower than expected loss": 1.5, "burns cash": -1.5, "burns more cash": -2,
	"regulatory approval": 2, "wins approval": 2, "antitrust lawsuit": -2, "class action": -1.5,
	"primary endpoint": 0.5, "market share": 0.3, "in line": 0, "as expected": 0, "as widely expected": 0, "little changed": 0, "in line with": 0,
	"holds steady": 0, "rates steady": 0,
	// drug/trial results
	"trial shows": 0.5, "strong results": 2,
};

/** Single words. */
// biome-ignore format: a word table reads best packed
export const WORDS: Record<string, number> = {
	// beats / misses
	beat: 2, beats: 2, tops: 1.5, topped: 1.5, exceed: 1.8, exceeds: 1.8, exceeded: 1.8, smashes: 2.2, crushes: 2.2, outperform: 1.5, outperforms: 1.5,
	miss: -2, misses: -2, missed: -2, disappoint: -2, disappoints: -2, disappointing: -2, disappointed: -2, underperform: -1.5, shortfall: -2,
	// moves
	surge: 2, surges: 2, surged: 2, soar: 2.2, soars: 2.2, soared: 2.2, jump: 1.8, jumps: 1.8, jumped: 1.8, rally: 1.8, rallies: 1.8, rallied: 1.8,
	climb: 1.3, climbs: 1.3, climbed: 1.3, gain: 1.2, gains: 1.2, gained: 1.2, rise: 1.2, rises: 1.2, rose: 1.2, rising: 0.8, rebound: 1.5, rebounds: 1.5,
	up: 0.5, higher: 1, advance: 1, advances: 1, double: 1.5, doubles: 1.5, accelerates: 1.5, accelerate: 1.5, improve: 1.2, improves: 1.2, improved: 1.2,
	recovery: 1.2, recovers: 1.2, grows: 1, growth: 0.8, expands: 0.3, boom: 1.8, momentum: 1.2, traction: 1.2, stabilizes: 0.8, eases: 0.5, ease: 0.5,
	fall: -1.3, falls: -1.3, fell: -1.3, drop: -1.3, drops: -1.3, dropped: -1.3, slide: -1.5, slides: -1.5, slid: -1.5, sink: -1.8, sinks: -1.8, sank: -1.8,
	plunge: -2.5, plunges: -2.5, plunged: -2.5, tumble: -2.2, tumbles: -2.2, tumbled: -2.2, crash: -2.8, crashes: -2.8, slump: -2, slumps: -2,
	decline: -1.3, declines: -1.3, declined: -1.3, lower: -0.8, down: -0.5, dip: -0.8, dips: -0.8, slows: -1.2, slowdown: -1.3, slower: -1, slowing: -1,
	collapse: -2.5, collapses: -2.5, weaken: -1.3, weakens: -1.3, softens: -1, squeezed: -1.2, worst: -1.8, loses: -1.5, losing: -1.2,
	// results
	profit: 0.6, profits: 0.6, profitable: 1.2, profitability: 1, record: 0.8, strong: 1.2, stronger: 1.3, robust: 1.3, solid: 1, upbeat: 1.5, optimistic: 1.2,
	loss: -1.5, losses: -1.5, weak: -1.5, weaker: -1.5, soft: -0.8, sluggish: -1.3, bleak: -2, gloomy: -2, dismal: -2.2, wider: -0.5,
	// guidance-ish verbs (when not part of a phrase)
	raises: 1, raised: 1, lifts: 1, boosts: 1.2, boost: 1.2, cuts: -1, cut: -1, slashes: -2, slashed: -2, lowers: -1, lowered: -1, warns: -2, warning: -1.8, warned: -2,
	suspends: -1.8, withdraws: -1.5, delays: -1.3, delayed: -1.3, halts: -1.5, scraps: -1.2,
	// analysts
	upgrade: 2, upgrades: 2, upgraded: 2, downgrade: -2, downgrades: -2, downgraded: -2, overweight: 0.8, underweight: -0.8,
	// corporate and legal
	wins: 1.5, win: 1.3, won: 1.3, secures: 1.5, secured: 1.5, lands: 1.3, awarded: 1.3, contract: 0.5, order: 0.3, approves: 1.8, approved: 1.8, approval: 1.8,
	buyback: 1.5, dividend: 0.2, acquisition: 0.2, partnership: 0.8,
	recall: -2, recalls: -2, recalled: -2, probe: -1.8, probes: -1.8, investigation: -1.8, investigating: -1.5, lawsuit: -1.8, lawsuits: -1.8, sues: -1.8, sued: -1.8,
	fine: -1.8, fined: -2, fines: -1.8, penalty: -1.8, charges: -1.2, charge: -0.8, settle: -0.8, settlement: -0.8, blocks: -1.5, blocked: -1.5, ban: -1.5, bans: -1.5,
	layoffs: -1.5, bankruptcy: -3, default: -2.2, fraud: -2.5, scandal: -2.2, resigns: -1, departs: -1, ousted: -1.5, contamination: -1.8, injuries: -1.5,
	derailment: -1.5, outage: -1.5, breach: -1.8, hack: -1.8, cancellations: -1.2, concerns: -1, fears: -1.2, risk: -0.5, risks: -0.5, volatile: -0.5,
	demand: 0.3, shortage: -1, inflation: -0.3, headwinds: -1.2, tailwinds: 1.2, pressure: -0.8, struggles: -1.5, struggling: -1.5,
};

/** Words that flip the polarity of terms within the next NEGATION_SCOPE words. */
export const NEGATORS = new Set(["not", "no", "never", "without", "neither", "nor", "fails", "fail", "failed", "avoids", "avoid", "avoided", "isn't", "wasn't", "doesn't", "didn't", "won't", "can't", "cannot", "lacks"]);
export const NEGATION_SCOPE = 3;
/** A negated term keeps this much of its weight, reversed ("not beat" is negative, but less than "miss"). */
export const NEGATION_FACTOR = -0.8;

/** Scale the next term (within 2 words). */
export const MODIFIERS: Record<string, number> = {
	sharply: 1.5,
	significantly: 1.4,
	strongly: 1.4,
	massive: 1.5,
	huge: 1.5,
	biggest: 1.4,
	major: 1.2,
	record: 1.3,
	deep: 1.3,
	steep: 1.4,
	sharp: 1.5,
	big: 1.2,
	heavy: 1.3,
	slightly: 0.5,
	modestly: 0.6,
	marginally: 0.5,
	somewhat: 0.6,
	small: 0.7,
	mild: 0.6,
	minor: 0.6,
};

/** Words after which the rest of the clause matters less ("falls despite earnings beat"). */
export const CONCESSIVE = new Set(["despite", "although", "though", "while"]);
export const CONCESSIVE_FACTOR = 0.3;
