/**
 * Loaded before every spec (.mocharc.json `require`). The environment set here reaches the child
 * processes the tests start (nodes, benches) as well.
 */

// Values handed over to the in-process stores are frozen, so a change after the hand-over throws
// where it is made (lib/kv/json-copy.ts, checkHandOver).
process.env.ROOKERY_CHECK_HAND_OVER = "1";
