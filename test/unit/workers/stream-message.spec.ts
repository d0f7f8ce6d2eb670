import { expect } from "chai";
import { CHANNELS_CACHED, channelOf, channelsCached, messageKeys } from "../../../lib/workers/stream-message.ts";

describe("lib/workers/stream-message channels", () => {
	it("names a stream's channel the same every time, past the cache's bound too", () => {
		// 10,000 symbols a data type are cached; the 10,001st starts the cache over.
		for (let round = 0; round < 2; round++)
			for (let i = 0; i < 10_050; i++) {
				expect(channelOf("market_data", `S${i}`)).to.equal(`stream:market_data:S${i}`);
				if (i % 1000 === 0) expect(channelOf("news", `S${i}`)).to.equal(`stream:news:S${i}`);
				expect(channelsCached("market_data")).to.be.at.most(CHANNELS_CACHED);
			}
		// 20,100 names through a cache of 10,000: it started over, twice.
		expect(channelsCached("market_data")).to.be.below(CHANNELS_CACHED);
		expect(messageKeys.stream("market_data", "AAPL")).to.equal("stream:market_data:AAPL");
		expect(messageKeys.latest("news", "AAPL")).to.equal("latest:stream:news:AAPL");
	});
});
