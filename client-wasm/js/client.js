// @ts-check
// oauth-edge: the browser shell around the wasm protocol core (src/, oauth-edge-shared).
//
// This file does the I/O only: fetch to the Worker (docs/worker-api.md), sessionStorage, the
// address bar, Web Locks, promises and events. PKCE, state, parsing and checking the redirect,
// the return path and the words of every error come from the core.
//
// Types: `// @ts-check` against the declarations beside it (client.d.ts, imported as "./client",
// which resolves to them) and the core's (wasm-bindgen's core/oauth_edge.d.ts); checked by
// scripts/check-package.sh (tsc -p client-wasm/types). Comments cost nothing: the package's copy is minified.

/** @typedef {import("./client").ClientErrorCode} ClientErrorCode */
/** @typedef {import("./client").OAuthErrorCode} OAuthErrorCode */
/** @typedef {import("./client").OAuthEventType} OAuthEventType */
/** @typedef {import("./client").TokenInfo} TokenInfo */
/** @typedef {import("./client").User} User */
/** @typedef {{status?: number, error?: string | null, errorDescription?: string | null, errorUri?: string | null, check?: string, cause?: unknown}} ErrorFields */
/** @typedef {import("./client").OAuthClient} OAuthClientApi */
/** @typedef {{raw: any, at: number, accessToken: string | null, expiresAt: number | null, scope: string | null, user: User | null}} View */

/** @type {typeof import("./core/oauth_edge.js")} */
let core;

/** Wires in the wasm core (the package entry does this; tests pass their own).
 * @param {typeof core} c */
export function useCore(c) {
  core = c;
}

const PENDING = "oauth-edge:pending";
const USED = "oauth-edge:used-state";
const TOKEN = "oauth-edge:token";
const REFRESH_LOCK = "oauth-edge-refresh";
// The authorization-response parameters (RFC 6749 §4.1.2, RFC 9207) and the Worker's failure
// redirect parameter, scrubbed from the address bar (plus a provider's own code parameter).
const CALLBACK_PARAMS = ["code", "state", "iss", "error", "error_description", "error_uri", "oauth_edge_error"];
/** @type {string[]} */
const EVENTS = ["login", "tokenRefreshed", "sessionEnded", "logout", "error"];

/** Every error the client throws, rejects with or emits. */
export class OAuthError extends Error {
  /** @type {"OAuthError"} */
  name = "OAuthError";
  /** @param {OAuthErrorCode} code @param {string} message @param {ErrorFields} [fields] */
  constructor(code, message, fields = {}) {
    super(message || core.errorMessage(code), "cause" in fields ? { cause: fields.cause } : undefined);
    this.code = code;
    for (const key of /** @type {const} */ (["status", "error", "errorDescription", "errorUri", "check"])) {
      if (fields[key] != null) /** @type {any} */ (this)[key] = fields[key];
    }
  }
}

/** @param {ClientErrorCode} code @param {ErrorFields} [fields] */
const fail = (code, fields) => new OAuthError(code, "", fields);

// ---- browser pieces ----------------------------------------------------------------------------

/** @typedef {"session" | "local"} Area */
/** @param {Area} kind */
function area(kind) {
  try {
    return kind === "local" ? localStorage : sessionStorage;
  } catch {
    return null; // storage blocked by the browser's settings
  }
}
/** @param {Area} kind @param {string} key */
function read(kind, key) {
  try {
    return area(kind)?.getItem(key) ?? null;
  } catch {
    return null;
  }
}
/** @param {Area} kind @param {string} key @param {string} value */
function write(kind, key, value) {
  try {
    /** @type {Storage} */ (area(kind)).setItem(key, value);
  } catch (cause) {
    throw fail("storage_unavailable", { cause });
  }
}
/** @param {Area} kind @param {string} key */
function remove(kind, key) {
  try {
    area(kind)?.removeItem(key);
  } catch {
    // nothing stored where nothing can be stored
  }
}
/** @param {string | null} text @returns {any} */
function parseJson(text) {
  try {
    return JSON.parse(/** @type {string} */ (text));
  } catch {
    return null;
  }
}
/** @param {number} n */
function randomBytes(n) {
  try {
    return crypto.getRandomValues(new Uint8Array(n));
  } catch (cause) {
    throw fail("crypto_unavailable", { cause });
  }
}
/** @param {unknown} x */
const str = (x) => (typeof x === "string" ? x : undefined);
/** @param {any} url */
function isHttpUrl(url) {
  try {
    return /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
}
/** Removes the callback parameters from the address bar, keeping the rest and the history state.
 * @param {string} [codeParam] */
function scrubAddressBar(codeParam) {
  const url = new URL(location.href);
  for (const name of [...CALLBACK_PARAMS, codeParam]) if (name) url.searchParams.delete(name);
  history.replaceState(history.state, "", url.href);
}
/** The Worker's failure redirect (`?oauth_edge_error=`) as an OAuthError, scrubbed; else null. */
function redirectError() {
  const code = core.redirectError(location.search);
  if (!code) return null;
  scrubAddressBar();
  return fail(/** @type {any} */ (code)); // a Worker code (its failure redirect)
}
/** A 401 whose Bearer challenge (RFC 6750 §3.1, parsed in Rust) or JSON body says `invalid_token`.
 * @param {Response} res */
async function saysInvalidToken(res) {
  if (res.status !== 401) return false;
  if (core.bearerErrorIs(res.headers.get("WWW-Authenticate") || "", "invalid_token")) return true;
  if (!(res.headers.get("Content-Type") || "").includes("json")) return false;
  try {
    return (await res.clone().json())?.error === "invalid_token";
  } catch {
    return false;
  }
}
/** @param {Request} request @param {string} token */
async function sendWithToken(request, token) {
  request.headers.set("Authorization", `Bearer ${token}`);
  try {
    return await fetch(request);
  } catch (cause) {
    throw fail("fetch_failed", { cause });
  }
}

/** The Worker's token view, checked: `{access_token?, expires_at, scope, user}`. Without
 * `access_token` (a MAC token, whose key stays in the Worker) the API goes through the proxy.
 * @param {any} x @returns {View | null} */
function asView(x) {
  if (!x || typeof x !== "object" || !["string", "undefined"].includes(typeof x.access_token)) return null;
  return {
    raw: x,
    at: Date.now() / 1000, // when this view was received: its token's lifetime counts from here
    accessToken: x.access_token ?? null,
    expiresAt: typeof x.expires_at === "number" ? x.expires_at : null,
    scope: typeof x.scope === "string" ? x.scope : null,
    user: x.user && typeof x.user === "object" ? x.user : null,
  };
}
/** @param {View} v @returns {TokenInfo} */
const info = (v) => ({ expiresAt: v.expiresAt, scope: v.scope, user: v.user });
/** @type {(e: any) => e is OAuthError} */
const sessionGone = (e) => e.code === "session_ended" || e.code === "no_session";
/** The Worker's own refusal as an OAuthError, else null. Only the Worker's error answers carry
 * `X-OAuth-Edge-Error: 1`: an API behind the proxy may answer `{code, message}` JSON too.
 * @param {Response} res */
async function workerError(res) {
  const data = res.headers.get("X-OAuth-Edge-Error") === "1" && parseJson(await res.clone().text());
  return typeof data?.code === "string"
    ? new OAuthError(data.code, typeof data.message === "string" ? data.message : "", {
        status: res.status,
        error: data.error,
        errorDescription: data.error_description,
        check: data.check,
      })
    : null;
}

// ---- the client --------------------------------------------------------------------------------

/** Its events are `CustomEvent`s whose `detail` is the payload (client.d.ts, OAuthClientEventMap).
 * @implements {OAuthClientApi} */
export class OAuthClient extends EventTarget {
  /** @type {string} */
  #worker;
  /** @type {string | null} */
  #api;
  /** @type {RequestCredentials} */
  #credentials;
  /** @type {string | null} */
  #provider;
  /** @type {"session" | "local" | null} */
  #persist;
  /** @type {number} */
  #leeway;
  /** @type {View | null} */
  #view = null;
  /** @type {Promise<TokenInfo> | null} */
  #refreshing = null;

  /** @param {import("./client").OAuthClientOptions} options */
  constructor(options) {
    super();
    const o = options || {};
    const storage = o.storage ?? "memory";
    const leeway = o.refreshLeewaySeconds ?? 60;
    if (
      typeof o.worker !== "string" ||
      !o.worker ||
      (o.provider != null && typeof o.provider !== "string") ||
      (o.api != null && (typeof o.api !== "string" || !o.api)) ||
      !["memory", "session", "local"].includes(storage) ||
      typeof leeway !== "number" ||
      !(leeway >= 0 && leeway < Infinity)
    ) {
      throw fail("invalid_options");
    }
    this.#worker = o.worker.replace(/\/+$/, "");
    let sameOrigin = true;
    this.#api = null;
    try {
      const worker = new URL(this.#worker, location.href);
      sameOrigin = worker.origin === location.origin;
      // The API proxy (docs/worker-api.md, default /api) lives on the Worker's origin.
      this.#api = new URL(o.api ?? "/api", worker).href.replace(/\/+$/, "");
    } catch {
      // a path that does not parse stays "same origin"; fetch will say what is wrong with it
    }
    // A Worker on another origin (allowed by its ALLOWED_ORIGINS) needs its cookie sent.
    this.#credentials = sameOrigin ? "same-origin" : "include";
    this.#provider = o.provider ?? null;
    this.#persist = storage === "memory" ? null : storage;
    this.#leeway = leeway;
    if (this.#persist) this.#view = asView(parseJson(read(this.#persist, TOKEN)));
  }

  /** Starts a login and navigates to the provider.
   * @param {import("./client").LoginOptions} [options] */
  login(options) {
    return this.#run(async () => {
      const o = options || {};
      const provider = o.provider ?? this.#provider;
      /** @type {import("./core/oauth_edge.js").BeginLogin} */
      const pkce = JSON.parse(/** @type {string} */ (core.beginLogin(randomBytes(64))));
      const returnTo = o.returnTo ?? location.pathname + location.search + location.hash;
      // return_to is used by providers whose tokens go to the Worker (it sanitises it).
      /** @type {Record<string, unknown>} */
      const body = { state: pkce.state, code_challenge: pkce.challenge, return_to: returnTo };
      if (provider) body.provider = provider;
      if (o.variant != null) body.variant = o.variant;
      const answer = await this.#post("/login", body);
      const url = answer.authorization_url;
      if (typeof url !== "string") throw fail("worker_bad_response");
      if (!isHttpUrl(url)) throw fail("unsafe_authorization_url");
      if (answer.delivery === "worker") {
        // The provider redirects to the Worker, which keeps the tokens: nothing to finish here.
        remove("session", PENDING);
      } else {
        // ONE pending login per tab: a new one replaces the old.
        write(
          "session",
          PENDING,
          JSON.stringify({
            state: pkce.state,
            verifier: pkce.verifier,
            returnTo,
            issuer: typeof answer.issuer === "string" ? answer.issuer : null,
            provider: typeof answer.provider === "string" ? answer.provider : provider,
            codeParam: typeof answer.code_param === "string" ? answer.code_param : "code",
          }),
        );
      }
      location.assign(url);
    });
  }

  /** Whether the page's address is a login redirect (`code`, the provider's code parameter, or
   * `error` in the query) or the Worker's failure redirect (`oauth_edge_error`). */
  isCallback() {
    return core.isCallback(location.search, str(parseJson(read("session", PENDING))?.codeParam) ?? "code");
  }

  /** Finishes a login on the redirect page. */
  handleCallback() {
    return this.#run(async () => {
      const failed = redirectError();
      if (failed) throw failed;
      const query = location.search;
      const pending = parseJson(read("session", PENDING));
      scrubAddressBar(pending?.codeParam ?? "code"); // before any request
      remove("session", PENDING); // single use, whatever happens next
      const p = pending || {};
      /** @type {import("./core/oauth_edge.js").CallbackCheck} */
      const checked = JSON.parse(
        core.checkCallback(
          query,
          str(p.state),
          str(p.verifier),
          str(p.returnTo),
          str(p.issuer),
          str(p.codeParam),
          read("session", USED) ?? undefined,
        ),
      );
      if (checked.consumedState) {
        try {
          write("session", USED, checked.consumedState);
        } catch {
          // without storage a replay reads as unknown_state: still refused
        }
      }
      if (checked.error) throw new OAuthError(checked.error.code, checked.error.message, checked.error);
      const view = asView(await this.#post("/token", checked.request));
      if (!view) throw fail("worker_bad_response");
      this.#hold(view);
      this.#emit("login", info(view));
      return { returnTo: /** @type {string} */ (checked.returnTo) };
    });
  }

  /** Asks the Worker for the session: the user (`{}` if undescribed), or `null` without one
   * (`204`; `no_session` / `session_ended` too). After the Worker's failure redirect, rejects
   * with its error once the session is known. */
  restore() {
    return this.#run(async () => {
      const failed = redirectError();
      let data;
      try {
        // The Worker may refresh here: under the refresh lock, like #refresh.
        data = await this.#locked(() => this.#post("/session"));
      } catch (e) {
        if (failed || !sessionGone(e)) throw failed || e;
      }
      const view = data && asView(data);
      if (view) this.#hold(view);
      else if (!data) this.#forget();
      if (failed) throw failed;
      if (data && !view) throw fail("worker_bad_response");
      return view ? (view.user ?? {}) : null;
    });
  }

  /** Logs in with a username and password (providers the Worker allows the password grant).
   * @param {import("./client").CredentialsOptions} options */
  loginWithPassword(options) {
    return this.#run(async () => {
      const view = asView(await this.#post("/password", this.#credentialsBody(options)));
      if (!view) throw fail("worker_bad_response");
      this.#hold(view);
      const i = info(view);
      this.#emit("login", i);
      return i;
    });
  }

  /** Registers a user at the provider (providers with a registration endpoint); log in afterwards.
   * @param {import("./client").CredentialsOptions} options */
  register(options) {
    return this.#run(async () => {
      await this.#post("/register", this.#credentialsBody(options));
      return { registered: /** @type {const} */ (true) };
    });
  }

  /** The access token, refreshed first when it expires within `refreshLeewaySeconds`. */
  getAccessToken() {
    return this.#run(() => this.#token());
  }

  /** Refreshes now (joining a refresh already running). */
  refresh() {
    return this.#run(() => this.#refresh());
  }

  /** `fetch` with the access token; one refresh and one resend on a 401 `invalid_token`.
   * A URL under the Worker's API proxy goes there instead (see `apiFetch`).
   * @param {RequestInfo | URL} input @param {RequestInit} [init] */
  fetch(input, init) {
    return this.#run(async () => {
      let request, spare;
      try {
        request = new Request(input, init);
        spare = request.clone(); // a body is read once: an unsent copy for the resend
      } catch (cause) {
        throw fail("fetch_failed", { cause });
      }
      if (this.#api && request.url.startsWith(this.#api + "/")) return this.#proxy(request);
      const token = await this.#token();
      const res = await sendWithToken(request, token);
      if (!(await saysInvalidToken(res))) return res;
      // Refresh unless another call already replaced the token this request used.
      if (this.#heldToken() === token) await this.#refresh();
      return sendWithToken(spare, this.#heldToken());
    });
  }

  /** A request through the Worker's API proxy: `path` below it (`"paysera/user/me"`). The
   * Worker attaches the session's token (or a client-credentials one) and refreshes as needed.
   * @param {string} path @param {RequestInit} [init] */
  apiFetch(path, init) {
    return this.#run(() => {
      let request;
      try {
        request = new Request(`${this.#api}/${String(path).replace(/^\/+/, "")}`, init);
      } catch (cause) {
        throw fail("fetch_failed", { cause });
      }
      return this.#proxy(request);
    });
  }

  /** Logs out at the Worker and forgets the session here (even if the Worker is unreachable).
   * `{everywhere: true}`: then on to the provider's own logout page (OpenID Connect RP-initiated
   * logout), when the provider has one.
   * @param {{everywhere?: boolean}} [options] */
  logout(options) {
    return this.#run(async () => {
      let answer;
      try {
        answer = await this.#post("/logout", options?.everywhere ? { everywhere: true } : undefined);
      } finally {
        this.#forget();
        this.#emit("logout", undefined);
      }
      if (options?.everywhere && isHttpUrl(answer.end_session_url)) location.assign(answer.end_session_url);
    });
  }

  get loggedIn() {
    return this.#view !== null;
  }
  get user() {
    return this.#view?.user ?? null;
  }
  get scope() {
    return this.#view?.scope ?? null;
  }
  get expiresAt() {
    return this.#view?.expiresAt ?? null;
  }
  get provider() {
    return this.#view?.raw.provider ?? null;
  }

  /** EventTarget's, refusing a name that is no event of the client (a typo would listen to
   * nothing, silently): throws `unknown_event`. removeEventListener is EventTarget's own.
   * @param {any} type @param {any} listener @param {any} [options] */
  addEventListener(type, listener, options) {
    if (!EVENTS.includes(type)) throw fail("unknown_event");
    super.addEventListener(type, listener, options);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** A listener that throws is reported (window `error`) by the platform; the others still run.
   * @template {OAuthEventType} K @param {K} type @param {import("./client").OAuthClientEventMap[K]} detail */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Runs an operation; a failure rejects with an OAuthError and is emitted as `error`.
   * @template T @param {() => T | Promise<T>} op @returns {Promise<T>} */
  async #run(op) {
    try {
      return await op();
    } catch (e) {
      const err = e instanceof OAuthError ? e : fail("unexpected_error", { cause: e });
      this.#emit("error", err);
      throw err;
    }
  }

  /** @param {import("./client").CredentialsOptions} options */
  #credentialsBody(options) {
    const o = options || {};
    if (typeof o.username !== "string" || typeof o.password !== "string") throw fail("invalid_options");
    const provider = o.provider ?? this.#provider;
    /** @type {Record<string, string>} */
    const body = { username: o.username, password: o.password };
    if (provider) body.provider = provider;
    return body;
  }

  /** Sends `request` to the proxy: the Worker's headers and cookie, never an Authorization. The
   * Worker's own refusals (marked, see workerError) reject; the upstream's answers resolve.
   * @param {Request} request */
  async #proxy(request) {
    const headers = new Headers(request.headers);
    headers.set("X-OAuth-Edge", "1");
    headers.delete("Authorization");
    let res;
    try {
      res = await fetch(new Request(request, { headers, credentials: this.#credentials }));
    } catch (cause) {
      throw fail("fetch_failed", { cause });
    }
    const e = await workerError(res);
    if (!e) return res;
    if (sessionGone(e) && this.#view) {
      this.#forget();
      this.#emit("sessionEnded", e);
    }
    throw e;
  }

  /** The Worker's JSON object answer; `null` for `/session`'s `204` (no session).
   * @param {string} path @param {object} [body] @returns {Promise<any>} */
  async #post(path, body) {
    /** @type {Record<string, string>} */
    const headers = { "X-OAuth-Edge": "1" };
    if (body) headers["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(this.#worker + path, {
        method: "POST",
        credentials: this.#credentials,
        headers,
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (cause) {
      throw fail("worker_unreachable", { cause });
    }
    if (res.ok) {
      const data = parseJson(await res.text());
      if ((data && typeof data === "object") || (res.status === 204 && path === "/session")) return data;
    }
    throw (!res.ok && (await workerError(res))) || fail("worker_bad_response", { status: res.status });
  }

  /** @param {View} view */
  #hold(view) {
    this.#view = view;
    if (this.#persist) {
      try {
        write(this.#persist, TOKEN, JSON.stringify(view.raw));
      } catch {
        // persistence is best effort: memory still holds the view
      }
    }
  }

  #forget() {
    this.#view = null;
    if (this.#persist) remove(this.#persist, TOKEN);
  }

  #heldToken() {
    const v = this.#view;
    if (!v) throw fail("not_logged_in");
    if (v.accessToken === null) throw fail("token_not_available");
    return v.accessToken;
  }

  async #token() {
    const token = this.#heldToken(); // none held, or none the page may have
    const v = /** @type {View} */ (this.#view);
    // The leeway, but at most a quarter of the token's own lifetime: with 60 s tokens a 60 s
    // leeway would refresh (and rotate) on every call (issue 7).
    if (v.expiresAt === null || v.expiresAt - Math.min(this.#leeway, (v.expiresAt - v.at) / 4) > Date.now() / 1000)
      return token;
    await this.#refresh();
    return this.#heldToken();
  }

  /** One refresh per tab (callers share the promise) and per origin (a Web Lock around it). */
  #refresh() {
    this.#refreshing ??= this.#locked(() => this.#refreshOnce()).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** @template T @param {() => Promise<T>} work @returns {Promise<T>} */
  #locked(work) {
    const locks = globalThis.navigator?.locks;
    // Without Web Locks the Worker's held_expires_at rule still serves one token to every tab.
    return locks ? /** @type {Promise<T>} */ (/** @type {unknown} */ (locks.request(REFRESH_LOCK, work))) : work();
  }

  async #refreshOnce() {
    const body = {};
    if (this.#view?.expiresAt != null) body.held_expires_at = this.#view.expiresAt;
    let view;
    try {
      view = asView(await this.#post("/refresh", body));
    } catch (e) {
      if (sessionGone(e)) {
        this.#forget();
        this.#emit("sessionEnded", e);
      }
      throw e;
    }
    if (!view) throw fail("worker_bad_response");
    this.#hold(view);
    const i = info(view);
    this.#emit("tokenRefreshed", i);
    return i;
  }
}
