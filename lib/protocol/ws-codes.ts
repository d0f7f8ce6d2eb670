/** WebSocket close codes and error-frame codes, in one place for the server, clients and docs. */
export const WsClose = {
	NORMAL: 1000,
	GOING_AWAY: 1001,
	/** The client did not read fast enough and its send queue hit the bound. */
	SLOW_CONSUMER: 4008,
	/** No pong to our ping within the heartbeat interval. */
	HEARTBEAT_TIMEOUT: 4009,
} as const;

export const WsErrorCode = {
	BAD_JSON: "BAD_JSON",
	BAD_REQUEST: "BAD_REQUEST",
	UNKNOWN_OP: "UNKNOWN_OP",
	BAD_TOPIC: "BAD_TOPIC",
	TOO_MANY_TOPICS: "TOO_MANY_TOPICS",
	SNAPSHOT_FAILED: "SNAPSHOT_FAILED",
} as const;
export type WsErrorCode = (typeof WsErrorCode)[keyof typeof WsErrorCode];

/** Frames the server sends; `data` is a wire message (lib/protocol/wire.ts). */
export type ServerFrame =
	| { type: "subscribed"; topics: string[] }
	| { type: "unsubscribed"; topics: string[] }
	| { type: "snapshot"; topic: string; seq: number; data: unknown }
	| { type: "update"; topic: string; seq: number; data: unknown }
	| { type: "error"; code: WsErrorCode; message: string; topic?: string }
	| { type: "pong"; ts: number };

export type ClientFrame = { op: "subscribe"; topics: string[] } | { op: "unsubscribe"; topics: string[] } | { op: "ping" };
