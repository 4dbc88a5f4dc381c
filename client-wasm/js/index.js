// oauth-edge for bundlers: the wasm core is instantiated by the bundler's import.
import * as core from "./core/oauth_edge.js";
import { useCore } from "./client.js";

useCore(core);
export { OAuthClient, OAuthError } from "./client.js";
