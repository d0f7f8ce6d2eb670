/**
 * Symbol routing on nodes that run `symbols`: with `registry.preferLocal`, a symbol action called
 * on this node runs here first; when this node does not own the symbol (by its own view of the
 * `symbols` nodes, `ownerOf` in lib/routing/rendezvous.ts), the call is forwarded once to the owner.
 * Whatever picked the endpoint (preferLocal, moleculer-web, a REPL `call`), a node never builds an
 * actor for a symbol it does not own. Calls that came from another node run here as routed, so views that
 * differ for a moment (membership changing) cannot ping-pong; the log's seq check keeps writes safe.
 */
import type { Context, Middleware, ServiceBroker } from "moleculer";
import { RENDEZVOUS, ownerEndpoint } from "./rendezvous.strategy.ts";

interface RoutedAction {
	name: string;
	strategy?: unknown;
	strategyOptions?: { key?: string };
}

type Handler = (ctx: Context) => Promise<unknown>;

export function OwnerForwardMiddleware(): Middleware {
	return {
		name: "OwnerForward",
		localAction(handler: Handler, action: RoutedAction): Handler {
			if (action.strategy !== RENDEZVOUS) return handler;
			return function forwardToOwner(ctx: Context): Promise<unknown> {
				const broker = ctx.broker;
				if (ctx.nodeID && ctx.nodeID !== broker.nodeID) return handler(ctx);
				const owner = ownerEndpoint(broker, action.name, ctx.params)?.id;
				if (!owner || owner === broker.nodeID) return handler(ctx);
				broker.metrics.increment("rookery.symbols.forwarded", { action: action.name });
				return ctx.call(action.name, ctx.params, { nodeID: owner });
			};
		},
		created(broker: ServiceBroker) {
			broker.metrics.register({ type: "counter", name: "rookery.symbols.forwarded", labelNames: ["action"], description: "Symbol calls that reached a node other than the owner and were forwarded" });
		},
	} as unknown as Middleware;
}
