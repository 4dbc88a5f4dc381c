// Starts the demo stack (see tests/support/stack.mjs) on fixed ports and waits for Ctrl-C.
import { startStack } from "../tests/support/stack.mjs";

const appPort = Number(process.env.APP_PORT ?? 8787);
const idpPort = Number(process.env.IDP_PORT ?? 9010);
const stack = await startStack({ appPort, idpPort, accessTokenTtl: 120, testHooks: false });
console.log(`
oauth-edge demo is running.

  Open:                    ${stack.appOrigin}/
  Authorization server:    ${stack.idp.issuer}  (sign in with any user name and password)
  Access tokens live:      120 s (watch the countdown; Refresh gets a new one)

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
