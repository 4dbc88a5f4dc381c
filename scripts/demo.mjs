// Starts the demo stack (see tests/support/stack.mjs) on fixed ports and waits for Ctrl-C.
import { startStack } from "../tests/support/stack.mjs";

const appPort = Number(process.env.APP_PORT ?? 8787);
const idpPort = Number(process.env.IDP_PORT ?? 9010);
// The four documented providers run as local emulators (tests/providers/), configured in the
// Worker through their built-in profiles; the demo's provider picker lists them.
const stack = await startStack({ appPort, idpPort, accessTokenTtl: 120, testHooks: false, providers: true });
const p = stack.providers;
console.log(`
oauth-edge demo is running.

  Open:                    ${stack.appOrigin}/   (pick a provider, then log in)
  Standard provider:       ${stack.idp.issuer}  (sign in with any user name and password)
  Access tokens live:      120 s there (watch the countdown; Refresh gets a new one)

  Provider emulators (any user name; every password except "wrong" signs in):
    Paytronix              ${p.paytronix.url}   sign-in page or password login; account API
    PayoutID               sandbox ${p.payoutid.sandbox.url}, production ${p.payoutid.production.url}
                           (the Worker uses the sandbox); user API, rates via the Worker (app token)
    Paysera Wallet         ${p.paysera.url}   pick a language; MAC tokens stay in the Worker,
                           the wallet API is called through its proxy (/api/paysera/…)
    Plain SSO              ${p.sso.url}   register, then log in (page or password)

Press Ctrl-C to stop.`);
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping…");
    await stack.stop();
    process.exit(0);
  });
}
