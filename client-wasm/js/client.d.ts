/** Options of `new OAuthClient(options)`. */
export interface OAuthClientOptions {
  /** Where the oauth-edge Worker's endpoints live: a path such as `"/auth"` (same origin), or an absolute URL of an origin the Worker allows. */
  worker: string;
  /** The provider configured in the Worker to log in with (the Worker's first one when omitted). */
  provider?: string;
  /** Where the token view is kept: `"memory"` (default; after a reload `restore()` asks the Worker), or opt-in `"session"` / `"local"` storage. */
  storage?: "memory" | "session" | "local";
  /** Refresh this many seconds before the access token expires (default 60), but never earlier than
   * three quarters of the token's own lifetime (a 40 s token is refreshed 10 s before it expires). */
  refreshLeewaySeconds?: number;
  /** The Worker's API proxy prefix (`API_PREFIX`), resolved against the Worker's URL (default `"/api"`). */
  api?: string;
}

/** Options of `client.login(options)`. */
export interface LoginOptions {
  /** Same-origin path to come back to after login (default: the current page). Anything else becomes `"/"`. */
  returnTo?: string;
  /** Overrides the client's `provider` for this login. */
  provider?: string;
  /** A named authorization endpoint of the provider (e.g. Paysera's locale `"lt"`); an unknown name uses the default. */
  variant?: string;
}

/** Options of `client.loginWithPassword(options)` and `client.register(options)`. */
export interface CredentialsOptions {
  username: string;
  password: string;
  /** Overrides the client's `provider`. */
  provider?: string;
}

/** What `client.register()` resolves to (then log in: the provider does not sign the user in). */
export interface Registration {
  registered: true;
}

/** What `handleCallback()` resolves to. */
export interface CallbackResult {
  /** A same-origin path (`"/"` when the recorded one was not): navigate there. */
  returnTo: string;
}

/** The logged-in user as the Worker describes them (OpenID Connect claims when available). */
export interface User {
  sub?: string;
  name?: string;
  email?: string;
  [claim: string]: unknown;
}

/** The current token's public facts (the token itself comes from `getAccessToken()`). */
export interface TokenInfo {
  /** Expiry of the access token, UNIX seconds; `null` when the provider gave none. */
  expiresAt: number | null;
  /** Granted scope, space-separated; `null` when unknown. */
  scope: string | null;
  user: User | null;
}

/** Codes of errors the library detects itself. */
export type ClientErrorCode =
  | "invalid_options"
  | "unknown_event"
  | "worker_unreachable"
  | "worker_bad_response"
  | "unsafe_authorization_url"
  | "crypto_unavailable"
  | "storage_unavailable"
  | "not_a_callback"
  | "malformed_callback"
  | "state_missing"
  | "state_mismatch"
  | "unknown_state"
  | "state_used"
  | "issuer_mismatch"
  | "not_logged_in"
  | "fetch_failed"
  | "token_not_available"
  | "unexpected_error";

/** Codes the Worker answers with (docs/worker-api.md). */
export type WorkerErrorCode =
  | "bad_request"
  | "unknown_provider"
  | "no_transaction"
  | "transaction_mismatch"
  | "issuer_mismatch"
  | "no_session"
  | "session_ended"
  | "csrf_header_missing"
  | "origin_not_allowed"
  | "provider_rejected"
  | "provider_unavailable"
  | "invalid_token_response"
  | "id_token_invalid"
  | "logout_token_invalid"
  | "config_error"
  | "password_grant_disabled"
  | "login_failed"
  | "registration_failed"
  | "registration_unavailable"
  | "method_not_allowed"
  | "bad_path"
  | "provider_mismatch"
  | "not_found"
  | "internal_error"
  | "body_too_large"
  | "rate_limited";

/** RFC 6749 §4.1.2.1 codes of a provider's error redirect (the error's `code` is the provider's own). */
export type AuthorizationErrorCode =
  | "invalid_request"
  | "unauthorized_client"
  | "access_denied"
  | "unsupported_response_type"
  | "invalid_scope"
  | "server_error"
  | "temporarily_unavailable";

/** Any code an `OAuthError` can carry (a provider may send codes of its own). */
export type OAuthErrorCode = ClientErrorCode | WorkerErrorCode | AuthorizationErrorCode | (string & {});

/** Every error the client throws, rejects with or emits. */
export declare class OAuthError extends Error {
  private constructor();
  readonly name: "OAuthError";
  /** Stable code to switch on. */
  readonly code: OAuthErrorCode;
  /** What happened and what to do, in plain words. */
  readonly message: string;
  /** HTTP status of the Worker's answer, when the error came from it (for `registration_failed`, the provider's). */
  readonly status?: number;
  /** The provider's RFC 6749 error code, when the provider said something. */
  readonly error?: string;
  /** The provider's `error_description`, as sent. */
  readonly errorDescription?: string;
  /** For `id_token_invalid`: the ID-token check that failed (`iss`, `aud`, `nonce`, `signature`, …). */
  readonly check?: string;
  /** The provider's `error_uri`. */
  readonly errorUri?: string;
  /** The underlying error (e.g. the `TypeError` of a failed `fetch`). */
  readonly cause?: unknown;
}

/** Event names and the `detail` of the `CustomEvent` each listener receives. */
export interface OAuthClientEventMap {
  /** `handleCallback()` or `loginWithPassword()` completed a login. */
  login: TokenInfo;
  /** A refresh gave a new access token. */
  tokenRefreshed: TokenInfo;
  /** The Worker said the session is gone (`session_ended` / `no_session`) during a refresh or an `apiFetch`; the client is logged out. */
  sessionEnded: OAuthError;
  /** `logout()` ran. */
  logout: undefined;
  /** An operation failed (the same error its promise rejects with). */
  error: OAuthError;
}

export type OAuthEventType = keyof OAuthClientEventMap;

/** What a listener of `type` receives: a `CustomEvent` whose `detail` is the payload. */
export type OAuthClientEvent<K extends OAuthEventType = OAuthEventType> = CustomEvent<OAuthClientEventMap[K]> & {
  readonly type: K;
};

/** A listener of `type`: a function or an object with `handleEvent`, as for any `EventTarget`. */
export type OAuthClientListener<K extends OAuthEventType> =
  | ((this: OAuthClient, ev: OAuthClientEvent<K>) => void)
  | { handleEvent(ev: OAuthClientEvent<K>): void };

/** OAuth 2.0 login for a single-page app through the oauth-edge Worker, which holds the client secret and the refresh token.
 * An `EventTarget`: its events (`OAuthClientEventMap`) are `CustomEvent`s whose `detail` is the payload. */
export declare class OAuthClient extends EventTarget {
  /** Throws an `OAuthError` (`invalid_options`) for unusable options. */
  constructor(options: OAuthClientOptions);
  /** Starts a login: PKCE verifier and state in this tab, the authorization URL from the Worker, then navigates to the provider.
   * For a provider whose tokens the Worker receives in the redirect, no login is kept in the tab: the Worker sends the browser to `returnTo`, where `restore()` finds the session. */
  login(options?: LoginOptions): Promise<void>;
  /** Logs in with a username and password through the Worker (`POST /auth/password`; only providers configured with `allow_password_grant`).
   * Rejects with `login_failed` (the provider's `error` / `errorDescription` kept) or `password_grant_disabled`. */
  loginWithPassword(options: CredentialsOptions): Promise<TokenInfo>;
  /** Registers a user at the provider (`POST /auth/register`). Rejects with `registration_failed` (the provider's `status`, `error`, `errorDescription`) or `registration_unavailable`. */
  register(options: CredentialsOptions): Promise<Registration>;
  /** Whether the page's address is a login redirect (`code`, the provider's code parameter, or `error` in the query) or the Worker's failure redirect (`oauth_edge_error`): call `handleCallback()` then, else `restore()`. */
  isCallback(): boolean;
  /** Finishes a login on the redirect page: scrubs the address bar, checks `state` and `iss`, redeems the code through the Worker.
   * On the Worker's failure redirect (`?oauth_edge_error=<code>`) scrubs it and rejects with that code. */
  handleCallback(): Promise<CallbackResult>;
  /** Asks the Worker who is logged in (after a reload): the user (`{}` when the provider describes none), or `null`
   * (the Worker's `204`: a normal answer, no error in the console; also for `no_session` / `session_ended`).
   * The Worker may refresh here, so it waits for the same Web Lock as a refresh (never two refreshes at once from one browser's tabs).
   * On the Worker's failure redirect, scrubs it, asks for the session all the same, then rejects with that code. */
  restore(): Promise<User | null>;
  /** The access token, refreshed first when it expires within `refreshLeewaySeconds` (one refresh for all callers and tabs).
   * Rejects with `token_not_available` when the session's token stays in the Worker (MAC tokens): use `apiFetch`. */
  getAccessToken(): Promise<string>;
  /** Refreshes the access token now, joining a refresh already running. */
  refresh(): Promise<TokenInfo>;
  /** `fetch` with `Authorization: Bearer <token>`; on a 401 `invalid_token`, one refresh and one resend.
   * A URL under the Worker's API proxy (`/api/…` on its origin) is sent as `apiFetch` sends it. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** A request through the Worker's API proxy: `path` below it (`"paysera/user/me"` → `/api/paysera/user/me`), with `X-OAuth-Edge: 1` and the session cookie, never an `Authorization` header.
   * The Worker attaches the token (signing MAC requests; or a client-credentials token) and refreshes as needed. The upstream's answers resolve as they are, whatever their body says;
   * the Worker's own refusals (marked `X-OAuth-Edge-Error: 1`) reject (`no_session`, `session_ended` — which also ends the session here and emits `sessionEnded` — `bad_path`, `method_not_allowed`, …). */
  apiFetch(path: string, init?: RequestInit): Promise<Response>;
  /** Logs out at the Worker (which revokes the refresh token) and forgets the session here.
   * `{ everywhere: true }`: then sends the browser to the provider's logout page (OpenID Connect
   * RP-initiated logout, with `id_token_hint`), when the provider has an `end_session_endpoint`. */
  logout(options?: { everywhere?: boolean }): Promise<void>;
  /** Whether an access token is held. */
  readonly loggedIn: boolean;
  /** The logged-in user, or `null`. */
  readonly user: User | null;
  /** The granted scope (space-separated), or `null`. */
  readonly scope: string | null;
  /** When the access token expires (UNIX seconds), or `null`. */
  readonly expiresAt: number | null;
  /** The Worker's name of the provider the session is with, or `null`. */
  readonly provider: string | null;
  /** `EventTarget.addEventListener` (`once`, `signal`, `capture` as usual): `ev.detail` is the payload.
   * A listener that throws is reported by the browser (`window` `error` event, the console) and the others still run.
   * Throws an `OAuthError` (`unknown_event`) for a name that is no event of the client: a typo would otherwise listen to nothing. */
  addEventListener<K extends OAuthEventType>(
    type: K,
    listener: OAuthClientListener<K> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** `EventTarget.removeEventListener`. */
  removeEventListener<K extends OAuthEventType>(
    type: K,
    listener: OAuthClientListener<K> | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** @internal Wires in the wasm core (done by the package entry). */
export declare function useCore(core: typeof import("./core/oauth_edge.js")): void;
