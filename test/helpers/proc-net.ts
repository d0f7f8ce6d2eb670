/**
 * Which TCP connections belong to a process (Linux): its socket inodes from `/proc/<pid>/fd`,
 * matched against `/proc/net/tcp{,6}`. A test that kills a node can tell afterwards whether a
 * request a server received came from that node (by the request's remote port), with no clock.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The local ports of the process's established TCP connections to `remotePort` (its ephemeral ports to that server). */
export function tcpPortsOf(pid: number, remotePort: number): Set<number> {
	const inodes = new Set<string>();
	for (const fd of readdirSync(`/proc/${pid}/fd`)) {
		try {
			const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
			if (m) inodes.add(m[1]);
		} catch {
			// closed between the listing and the read
		}
	}
	const ports = new Set<number>();
	for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
		let text: string;
		try {
			text = readFileSync(table, "utf8");
		} catch {
			continue;
		}
		for (const line of text.split("\n").slice(1)) {
			// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode; st 01 = ESTABLISHED
			const cols = line.trim().split(/\s+/);
			if (cols.length > 9 && cols[3] === "01" && inodes.has(cols[9]) && Number.parseInt(cols[2].split(":").at(-1)!, 16) === remotePort) ports.add(Number.parseInt(cols[1].split(":").at(-1)!, 16));
		}
	}
	return ports;
}
