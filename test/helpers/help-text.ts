/** The service names `--help` lists under `--services`, in order. */
export function helpServices(text: string): string[] {
	const block = text.slice(text.indexOf("--services"), text.indexOf("--node-id"));
	return block
		.slice(block.indexOf(":") + 1)
		.split(/[\s,]+/)
		.filter(Boolean);
}
