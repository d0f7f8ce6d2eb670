/**
 * BENCH_NODE_ARGS: flags for node itself in every child-process node a bench starts, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof/{node}` (`{node}` becomes the node's id, so each node
 * writes its own profile) or a V8 heap size to try.
 */
export function benchNodeArgs(nodeId: string): string[] {
	return (process.env.BENCH_NODE_ARGS ?? "")
		.split(" ")
		.filter(Boolean)
		.map(a => a.replaceAll("{node}", nodeId));
}
