/**
 * JWT verification with `jose`: HS256 with a shared secret and/or RS256 with a public key (PEM
 * SPKI), issuer and audience checked when configured, expiry (`exp`) and `nbf` always.
 */
import { decodeProtectedHeader, errors, importSPKI, jwtVerify, type JWTPayload, type CryptoKey } from "jose";
import { UnauthorizedError } from "./errors.ts";

export interface JwtSettings {
	jwtSecret: string | null;
	jwtPublicKey: string | null;
	jwtIssuer: string | null;
	jwtAudience: string | null;
}

export class JwtVerifier {
	readonly #secret: Uint8Array | null;
	#publicKey: Promise<CryptoKey> | null;

	constructor(
		readonly settings: JwtSettings,
		readonly now: () => number = Date.now,
	) {
		this.#secret = settings.jwtSecret ? new TextEncoder().encode(settings.jwtSecret) : null;
		this.#publicKey = settings.jwtPublicKey ? importSPKI(settings.jwtPublicKey, "RS256") : null;
		this.#publicKey?.catch(() => {}); // reported on first use
	}

	static configured(s: JwtSettings): boolean {
		return Boolean(s.jwtSecret || s.jwtPublicKey);
	}

	/** The token's claims; throws UnauthorizedError saying why it is refused. */
	async verify(token: string): Promise<JWTPayload> {
		let alg: string | undefined;
		try {
			alg = decodeProtectedHeader(token).alg;
		} catch {
			throw new UnauthorizedError("malformed JWT");
		}
		let key: Uint8Array | CryptoKey;
		if (alg === "HS256" && this.#secret) key = this.#secret;
		else if (alg === "RS256" && this.#publicKey) key = await this.#publicKey;
		else throw new UnauthorizedError(`JWT algorithm '${String(alg)}' is not accepted (accepted: ${[this.#secret && "HS256", this.#publicKey && "RS256"].filter(Boolean).join(", ")})`);
		try {
			const { payload } = await jwtVerify(token, key, {
				algorithms: [alg],
				issuer: this.settings.jwtIssuer ?? undefined,
				audience: this.settings.jwtAudience ?? undefined,
				currentDate: new Date(this.now()),
				requiredClaims: ["exp"],
			});
			return payload;
		} catch (err) {
			if (err instanceof errors.JWTExpired) throw new UnauthorizedError("JWT expired");
			if (err instanceof errors.JWSSignatureVerificationFailed) throw new UnauthorizedError("JWT signature is invalid");
			if (err instanceof errors.JWTClaimValidationFailed) throw new UnauthorizedError(`JWT claim '${err.claim}' is invalid: ${err.reason}`);
			throw new UnauthorizedError(`JWT refused: ${(err as Error).message}`);
		}
	}
}
