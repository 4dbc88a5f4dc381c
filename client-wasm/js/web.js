// oauth-edge as plain ES modules: `await init()` (the default export) before using the client.
import init, { initSync } from "./core/oauth_edge.js";
import * as core from "./core/oauth_edge.js";
import { useCore } from "./client.js";

useCore(core);
export default init;
export { initSync };
export { OAuthClient, OAuthError } from "./client.js";
