// `oauth-edge/worker`: the oauth-edge Cloudflare Worker, built (wasm + its worker-build glue), as
// the npm package ships it (scripts/package-worker.sh copies this file into client-wasm/pkg/worker/).
//
// Standalone — wrangler.toml:   main = "node_modules/oauth-edge/worker/index.js"
// Mounted — the app's own Worker answers everything else and hands the auth endpoints and the API
// proxy to this one; it must re-export the Durable Object classes (wrangler.toml binds them):
//
//   import { handle } from "oauth-edge/worker";
//   export { RateLimiter, ClientTokens, RefreshAuthority, SessionIndex } from "oauth-edge/worker";
//   export default {
//     fetch(request, env, ctx) {
//       const { pathname } = new URL(request.url);
//       if (pathname.startsWith("/auth/") || pathname.startsWith("/api/")) return handle(request, env, ctx);
//       return new Response("my app");
//     },
//   };
import OAuthEdgeWorker from "./oauth_edge_worker.js";

export { ClientTokens, RateLimiter, RefreshAuthority, SessionIndex } from "./oauth_edge_worker.js";

/** The Worker (a `WorkerEntrypoint` class, as workers-rs exports it): the default export of a standalone deploy. */
export default OAuthEdgeWorker;

/** Answers one request as the oauth-edge Worker would, from another Worker's `fetch(request, env, ctx)`.
 * `env` must carry its bindings and vars (SESSIONS, the Durable Objects, PROVIDERS, SESSION_KEY, …). */
export function handle(request, env, ctx) {
  return new OAuthEdgeWorker(ctx, env).fetch(request);
}
