// Types of `oauth-edge/worker` (edge-worker/npm/index.js). Self-contained: no dependency on
// @cloudflare/workers-types (any of its `Env`/`ExecutionContext` types fits these shapes).

/** What the Worker reads from its environment: bindings, vars and secrets (README "Configuration"). */
export interface OAuthEdgeEnv {
  /** KV namespace of the sessions. */
  SESSIONS: unknown;
  /** Durable Object namespaces: bind them to the classes exported here. */
  RATE_LIMITER: unknown;
  CLIENT_TOKENS: unknown;
  REFRESH_AUTHORITY: unknown;
  SESSION_INDEX: unknown;
  /** The app's static assets, when the Worker serves them (paths it does not answer go there). */
  ASSETS?: unknown;
  /** JSON: provider name → entry. */
  PROVIDERS?: string;
  SESSION_KEY?: string;
  AUTH_PREFIX?: string;
  API_PREFIX?: string;
  ALLOWED_ORIGINS?: string;
}

/** The part of the runtime's `ExecutionContext` the Worker is given. */
export interface OAuthEdgeContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

/** A Durable Object class of the Worker: export it from your Worker's main module under this name. */
export interface DurableObjectClass {
  new (state: unknown, env: OAuthEdgeEnv): { fetch(request: Request): Promise<Response> };
}

/** Attempt counters for /auth/password, /auth/register and anonymous API calls (binding RATE_LIMITER). */
export declare const RateLimiter: DurableObjectClass;
/** The app's client-credentials tokens, one object per provider (binding CLIENT_TOKENS). */
export declare const ClientTokens: DurableObjectClass;
/** Decides every refresh of a session, one object per session (binding REFRESH_AUTHORITY). */
export declare const RefreshAuthority: DurableObjectClass;
/** Back-channel logout: sessions per provider user / session (binding SESSION_INDEX). */
export declare const SessionIndex: DurableObjectClass;

/** The Worker: a `WorkerEntrypoint` class (`new (ctx, env)`, then `fetch(request)`); the default export of a standalone deploy. */
declare const OAuthEdgeWorker: {
  new (ctx: OAuthEdgeContext, env: OAuthEdgeEnv): { fetch(request: Request): Promise<Response> };
};
export default OAuthEdgeWorker;

/** Answers one request as the oauth-edge Worker: from your own Worker's `fetch`, for the paths under
 * `AUTH_PREFIX` (`/auth/`) and `API_PREFIX` (`/api/`). */
export declare function handle(request: Request, env: OAuthEdgeEnv, ctx: OAuthEdgeContext): Promise<Response>;
