// oauth-edge: the browser shell around the wasm protocol core (src/, oauth-edge-shared).
//
// This file does the I/O only: fetch to the Worker (docs/worker-api.md), sessionStorage, the
// address bar, Web Locks, promises and listeners. PKCE, state, parsing and checking the redirect,
// the return path and the words of every error come from the core.

/** @type {typeof import("./core/oauth_edge.js")} */
let core;

/** Wires in the wasm core (the package entry does this; tests pass their own). */
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
const EVENTS = ["login", "tokenRefreshed", "sessionEnded", "logout", "error"];

/** Every error the client throws, rejects with or emits. */
export class OAuthError extends Error {
  constructor(code, message, fields = {}) {
    super(message || core.errorMessage(code), "cause" in fields ? { cause: fields.cause } : undefined);
    this.name = "OAuthError";
    this.code = code;
    for (const key of ["status", "error", "errorDescription", "errorUri", "check"]) {
      if (fields[key] != null) this[key] = fields[key];
    }
  }
}

const fail = (code, fields) => new OAuthError(code, "", fields);

// ---- browser pieces ----------------------------------------------------------------------------

function area(kind) {
  try {
    return kind === "local" ? localStorage : sessionStorage;
  } catch {
    return null; // storage blocked by the browser's settings
  }
}
function read(kind, key) {
  try {
    return area(kind)?.getItem(key) ?? null;
  } catch {
    return null;
  }
}
function write(kind, key, value) {
  try {
    area(kind).setItem(key, value);
  } catch (cause) {
    throw fail("storage_unavailable", { cause });
  }
}
function remove(kind, key) {
  try {
    area(kind)?.removeItem(key);
  } catch {
    // nothing stored where nothing can be stored
  }
}
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
function randomBytes(n) {
  try {
    return crypto.getRandomValues(new Uint8Array(n));
  } catch (cause) {
    throw fail("crypto_unavailable", { cause });
  }
}
const str = (x) => (typeof x === "string" ? x : undefined);
function isHttpUrl(url) {
  try {
    return /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
}
/** Removes the callback parameters from the address bar, keeping the rest and the history state. */
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
  return fail(code);
}
/** A 401 whose Bearer challenge (RFC 6750 §3.1, parsed in Rust) or JSON body says `invalid_token`. */
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
async function sendWithToken(request, token) {
  request.headers.set("Authorization", `Bearer ${token}`);
  try {
    return await fetch(request);
  } catch (cause) {
    throw fail("fetch_failed", { cause });
  }
}

/** The Worker's token view, checked: `{access_token?, expires_at, scope, user}`. Without
 * `access_token` (a MAC token, whose key stays in the Worker) the API goes through the proxy. */
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
const info = (v) => ({ expiresAt: v.expiresAt, scope: v.scope, user: v.user });
const sessionGone = (e) => e.code === "session_ended" || e.code === "no_session";
/** The Worker's own refusal as an OAuthError, else null. Only the Worker's error answers carry
 * `X-OAuth-Edge-Error: 1`: an API behind the proxy may answer `{code, message}` JSON too. */
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

export class OAuthClient {
  #worker;
  #api;
  #credentials;
  #provider;
  #persist;
  #leeway;
  #view = null;
  #refreshing = null;
  #listeners = new Map(EVENTS.map((e) => [e, new Set()]));

  constructor(options) {
    const o = options || {};
    const storage = o.storage ?? "memory";
    const leeway = o.refreshLeewaySeconds ?? 60;
    if (
      typeof o.worker !== "string" || !o.worker ||
      (o.provider != null && typeof o.provider !== "string") ||
      (o.api != null && (typeof o.api !== "string" || !o.api)) ||
      !["memory", "session", "local"].includes(storage) ||
      typeof leeway !== "number" || !(leeway >= 0 && leeway < Infinity)
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

  /** Starts a login and navigates to the provider. */
  login(options) {
    return this.#run(async () => {
      const o = options || {};
      const provider = o.provider ?? this.#provider;
      /** @type {import("./core/oauth_edge.js").BeginLogin} */
      const pkce = JSON.parse(core.beginLogin(randomBytes(64)));
      const returnTo = o.returnTo ?? location.pathname + location.search + location.hash;
      // return_to is used by providers whose tokens go to the Worker (it sanitises it).
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
        write("session", PENDING, JSON.stringify({
          state: pkce.state,
          verifier: pkce.verifier,
          returnTo,
          issuer: typeof answer.issuer === "string" ? answer.issuer : null,
          provider: typeof answer.provider === "string" ? answer.provider : provider,
          codeParam: typeof answer.code_param === "string" ? answer.code_param : "code",
        }));
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
        core.checkCallback(query, str(p.state), str(p.verifier), str(p.returnTo), str(p.issuer), str(p.codeParam), read("session", USED) ?? undefined),
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
      return { returnTo: checked.returnTo };
    });
  }

  /** Asks the Worker for the session: the user (`{}` if undescribed), or `null` without one.
   * After the Worker's failure redirect, rejects with its error once the session is known. */
  restore() {
    return this.#run(async () => {
      const failed = redirectError();
      let view;
      try {
        // The Worker may refresh here: under the refresh lock, like #refresh.
        view = asView(await this.#locked(() => this.#post("/session")));
      } catch (e) {
        if (failed) throw failed;
        if (!sessionGone(e)) throw e;
        this.#forget();
        return null;
      }
      if (view) this.#hold(view);
      if (failed) throw failed;
      if (!view) throw fail("worker_bad_response");
      return view.user ?? {};
    });
  }

  /** Logs in with a username and password (providers the Worker allows the password grant). */
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

  /** Registers a user at the provider (providers with a registration endpoint); log in afterwards. */
  register(options) {
    return this.#run(async () => {
      await this.#post("/register", this.#credentialsBody(options));
      return { registered: true };
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
   * A URL under the Worker's API proxy goes there instead (see `apiFetch`). */
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
   * Worker attaches the session's token (or a client-credentials one) and refreshes as needed. */
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
   * logout), when the provider has one. */
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

  addEventListener(type, listener) {
    this.#listenersOf(type).add(listener);
  }
  removeEventListener(type, listener) {
    this.#listenersOf(type).delete(listener);
  }

  // ---- internals -------------------------------------------------------------------------------

  #listenersOf(type) {
    const set = this.#listeners.get(type);
    if (!set) throw fail("unknown_event");
    return set;
  }

  #emit(type, detail) {
    for (const fn of [...this.#listeners.get(type)]) {
      try {
        fn(detail);
      } catch (e) {
        queueMicrotask(() => {
          throw e; // reported like a DOM listener's exception, without stopping the others
        });
      }
    }
  }

  /** Runs an operation; a failure rejects with an OAuthError and is emitted as `error`. */
  async #run(op) {
    try {
      return await op();
    } catch (e) {
      const err = e instanceof OAuthError ? e : fail("unexpected_error", { cause: e });
      this.#emit("error", err);
      throw err;
    }
  }

  #credentialsBody(options) {
    const o = options || {};
    if (typeof o.username !== "string" || typeof o.password !== "string") throw fail("invalid_options");
    const provider = o.provider ?? this.#provider;
    const body = { username: o.username, password: o.password };
    if (provider) body.provider = provider;
    return body;
  }

  /** Sends `request` to the proxy: the Worker's headers and cookie, never an Authorization. The
   * Worker's own refusals (marked, see workerError) reject; the upstream's answers resolve. */
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

  async #post(path, body) {
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
      if (data && typeof data === "object") return data;
    }
    throw (!res.ok && (await workerError(res))) || fail("worker_bad_response", { status: res.status });
  }

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
    const v = this.#view;
    this.#heldToken(); // none held, or none the page may have
    // The leeway, but at most a quarter of the token's own lifetime: with 60 s tokens a 60 s
    // leeway would refresh (and rotate) on every call (issue 7).
    if (v.expiresAt === null || v.expiresAt - Math.min(this.#leeway, (v.expiresAt - v.at) / 4) > Date.now() / 1000)
      return v.accessToken;
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

  #locked(work) {
    const locks = globalThis.navigator?.locks;
    // Without Web Locks the Worker's held_expires_at rule still serves one token to every tab.
    return locks ? locks.request(REFRESH_LOCK, work) : work();
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
