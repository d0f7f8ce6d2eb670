/**
 * A NATS operator/account/user chain made with nkeys for creds tests: the nats-server config of
 * operator mode (memory resolver with the account preloaded) and the user's `.creds` file text.
 * JWTs are signed as nats-server expects: header {typ: JWT, alg: ed25519-nkey}, base64url parts,
 * an ed25519 signature of `header.claims` by the issuer's key.
 */
import { nkeys } from "nats";

const b64 = (x: Uint8Array | string) => Buffer.from(x).toString("base64url");

function jwt(issuer: ReturnType<typeof nkeys.createUser>, subject: string, name: string, nats: object): string {
	const header = b64(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
	const claims = b64(JSON.stringify({ jti: b64(crypto.getRandomValues(new Uint8Array(16))), iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject, nats: { ...nats, version: 2 } }));
	return `${header}.${claims}.${b64(issuer.sign(new TextEncoder().encode(`${header}.${claims}`)))}`;
}

export function makeNatsCreds(): { serverConfig: string; creds: string } {
	const operator = nkeys.createOperator();
	const account = nkeys.createAccount();
	const user = nkeys.createUser();
	const unlimited = { subs: -1, data: -1, payload: -1 };
	const operatorJwt = jwt(operator, operator.getPublicKey(), "rk-test-operator", { type: "operator" });
	const accountJwt = jwt(operator, account.getPublicKey(), "rk-test-account", { type: "account", limits: { ...unlimited, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 } });
	const userJwt = jwt(account, user.getPublicKey(), "rk-test-user", { type: "user", pub: {}, sub: {}, ...unlimited });
	return {
		serverConfig: `operator: ${operatorJwt}\nresolver: MEMORY\nresolver_preload: { ${account.getPublicKey()}: ${accountJwt} }`,
		creds: `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`,
	};
}
