/**
 * How cache entries are stored in Redis: JSON, gzip-compressed (level 1: fast, and enough for
 * repetitive JSON) when the JSON is larger than `compressAbove` bytes. The first byte says which.
 */
import { gunzipSync, gzipSync, constants } from "node:zlib";

const RAW = 0x00;
const GZIP = 0x01;

export interface Encoded {
	buffer: Buffer;
	/** Bytes of the JSON before compression. */
	jsonBytes: number;
	compressed: boolean;
}

export function encodeEntry(value: unknown, compressAbove: number): Encoded {
	const json = Buffer.from(JSON.stringify(value) ?? "null");
	if (json.length > compressAbove) {
		const z = gzipSync(json, { level: constants.Z_BEST_SPEED });
		if (z.length < json.length) return { buffer: Buffer.concat([Buffer.of(GZIP), z]), jsonBytes: json.length, compressed: true };
	}
	return { buffer: Buffer.concat([Buffer.of(RAW), json]), jsonBytes: json.length, compressed: false };
}

/** The value, and the bytes of its JSON (what L1 counts its size in). */
export function decodeEntry(buffer: Buffer): { value: unknown; jsonBytes: number } {
	let json: Buffer;
	if (buffer[0] === GZIP) json = gunzipSync(buffer.subarray(1));
	else if (buffer[0] === RAW) json = buffer.subarray(1);
	else throw new Error(`cache entry of unknown format ${buffer[0]}`);
	return { value: JSON.parse(json.toString("utf8")), jsonBytes: json.length };
}
