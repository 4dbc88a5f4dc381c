
/** Options of `new OAuthClient(options)`. */
export interface OAuthClientOptions {
  /** Where the oauth-edge Worker's endpoints live: a path such as `"/auth"` (same origin), or an absolute URL of an origin the Worker allows. */
  worker: string;
  /** The provider configured in the Worker to log in with (the Worker's first one when omitted). */
  provider?: string;
  /** Where the token view is kept: `"memory"` (default; restored after a reload through the Worker), or opt-in `"session"` / `"local"` storage. */
  storage?: "memory" | "session" | "local";
  /** Refresh this many seconds before the access token expires (default 60). */
  refreshLeewaySeconds?: number;
}

/** Options of `client.login(options)`. */
export interface LoginOptions {
  /** Same-origin path to come back to after login (default: the current page). Anything else becomes `"/"`. */
  returnTo?: string;
  /** Overrides the client's `provider` for this login. */
  provider?: string;
}

/** What `handleCallback()` resolves to. */
export interface CallbackResult {
  /** A same-origin path (`"/"` when the recorded one was not). Navigate there. */
  returnTo: string;
}

/** The logged-in user, as the Worker describes them (OpenID Connect claims when available). */
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
  | "fetch_failed";

/** Codes the Worker answers with (see the Worker API). */
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
  | "config_error";

/** RFC 6749 §4.1.2.1 codes of a provider's error redirect (the error's `code` is the provider's own). */
export type AuthorizationErrorCode =
  | "invalid_request"
  | "unauthorized_client"
  | "access_denied"
  | "unsupported_response_type"
  | "invalid_scope"
  | "server_error"
  | "temporarily_unavailable";

export type OAuthErrorCode = ClientErrorCode | WorkerErrorCode | AuthorizationErrorCode | (string & {});

/** Every error the client throws, rejects with or emits: a JS `Error` named `"OAuthError"`. */
export interface OAuthError extends Error {
  name: "OAuthError";
  /** Stable code to switch on. */
  code: OAuthErrorCode;
  /** What happened and what to do, in plain words. */
  message: string;
  /** HTTP status of the Worker's answer, when the error came from it. */
  status?: number;
  /** The provider's RFC 6749 error code, when the provider said something. */
  error?: string;
  /** The provider's `error_description`, kept as sent. */
  errorDescription?: string;
  /** The provider's `error_uri`. */
  errorUri?: string;
  /** The underlying JS error (e.g. the `TypeError` of a failed `fetch`). */
  cause?: unknown;
}

/** Event names and the detail each listener receives. */
export interface OAuthClientEventMap {
  /** `handleCallback()` completed a login. */
  login: TokenInfo;
  /** A refresh gave a new access token. */
  tokenRefreshed: TokenInfo;
  /** The Worker said the session is gone (`session_ended` / `no_session`) during a refresh; the client is logged out. */
  sessionEnded: OAuthError;
  /** `logout()` ran. */
  logout: undefined;
  /** An operation failed (the same error its promise rejects with). */
  error: OAuthError;
}

export type OAuthEventType = keyof OAuthClientEventMap;

export interface OAuthClient {
  addEventListener<K extends OAuthEventType>(type: K, listener: (detail: OAuthClientEventMap[K]) => void): void;
  removeEventListener<K extends OAuthEventType>(type: K, listener: (detail: OAuthClientEventMap[K]) => void): void;
}
