/** WebSocket close codes and error-frame codes, in one place for the server, clients and docs. */
export const WsClose = {
	NORMAL: 1000,
	GOING_AWAY: 1001,
	/** The server failed on a frame it should have answered with an error frame (logged, counted). */
	INTERNAL_ERROR: 1011,
	/** Credentials were required and none valid came within `ws.authTimeoutMs`, or the token expired. */
	UNAUTHORIZED: 4001,
	/** The client did not read fast enough and its send queue hit the bound (tier policy `disconnect`). */
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
	/** Credentials missing, forged, expired, or for an unknown key. */
	UNAUTHORIZED: "UNAUTHORIZED",
	/** The tier does not allow it (wildcard topics). */
	FORBIDDEN: "FORBIDDEN",
	/** Replaying missed updates failed (store down); the topic falls back to its snapshot. */
	RESUME_FAILED: "RESUME_FAILED",
} as const;
export type WsErrorCode = (typeof WsErrorCode)[keyof typeof WsErrorCode];

/** Frames the server sends; `data` is a wire message (lib/protocol/wire.ts). */
export type ServerFrame =
	| { type: "subscribed"; topics: string[] }
	| { type: "unsubscribed"; topics: string[] }
	| { type: "authenticated"; tier: string; sub: string | null; roles: string[] }
	| { type: "snapshot"; topic: string; seq: number; data: unknown }
	| { type: "update"; topic: string; seq?: number; data: unknown }
	| { type: "reset"; topic: string; seq: number; reason: string }
	| { type: "error"; code: WsErrorCode; message: string; topic?: string }
	| { type: "pong"; ts: number };

export type ClientFrame = { op: "auth"; token: string } | { op: "subscribe"; topics: string[]; since?: Record<string, number> } | { op: "unsubscribe"; topics: string[] } | { op: "ping" };
