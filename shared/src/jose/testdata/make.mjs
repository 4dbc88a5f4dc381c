// Writes vectors.json: RS256 and PS256 JWS signed by Node's crypto (OpenSSL), an implementation
// independent of the RustCrypto crates that verify them in ../tests.rs. Rerun by hand:
//   node shared/src/jose/testdata/make.mjs
import * as crypto from "node:crypto";
import { writeFileSync } from "node:fs";

const b64u = (b) => Buffer.from(b).toString("base64url");
const payload = b64u(JSON.stringify({ iss: "https://as.example", sub: "alice", aud: "app" }));
const out = {};
for (const [alg, opts] of [
  ["RS256", { padding: crypto.constants.RSA_PKCS1_PADDING }],
  ["PS256", { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
]) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: `${alg}-key`, use: "sig" };
  const header = b64u(JSON.stringify({ alg, kid: jwk.kid, typ: "JWT" }));
  const input = `${header}.${payload}`;
  const sig = crypto.sign("sha256", Buffer.from(input), { key: privateKey, ...opts });
  out[alg] = { jwks: { keys: [jwk] }, token: `${input}.${b64u(sig)}` };
}
// A 1024-bit key: below RFC 7518's 2048, so it is not a usable key.
const small = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 });
const smallJwk = { ...small.publicKey.export({ format: "jwk" }), kid: "small" };
const smallHeader = b64u(JSON.stringify({ alg: "RS256", kid: "small" }));
const smallSig = crypto.sign("sha256", Buffer.from(`${smallHeader}.${payload}`), small.privateKey);
out.small = { jwks: { keys: [smallJwk] }, token: `${smallHeader}.${payload}.${b64u(smallSig)}` };
writeFileSync(new URL("./vectors.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");
