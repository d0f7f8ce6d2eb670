/**
 * Bound a call in time. Given a function, it is handed an AbortSignal that is aborted when the time
 * is up, so the I/O underneath (fetch) stops too; the promise rejects with a retryable TimeoutError.
 */
import { TimeoutError } from "../protocol/errors.ts";

export function withTimeout<T>(p: Promise<T> | ((signal: AbortSignal) => Promise<T>), ms: number, what: string): Promise<T> {
	const controller = new AbortController();
	const error = new TimeoutError(`${what} did not answer within ${ms} ms`, { what, timeoutMs: ms });
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => {
			controller.abort(error);
			reject(error);
		}, ms);
		let inner: Promise<T>;
		try {
			inner = typeof p === "function" ? p(controller.signal) : p;
		} catch (err) {
			clearTimeout(timer);
			reject(err);
			return;
		}
		inner.then(
			v => {
				clearTimeout(timer);
				resolve(v);
			},
			err => {
				clearTimeout(timer);
				reject(err);
			},
		);
	});
}
