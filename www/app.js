// The oauth-edge demo: plain ES modules, importing the package by name like any user would.
//
// /demo-config.json (the Worker's APP_CONFIG var) lists the providers the Worker is configured
// with: `{"providers": [{name, label, flows: ["redirect","password","register"], api, variants?,
// app_api?, app_api_label?}], "api_url"}`. Without a list, the one provider is the Worker's default
// and the API is `api_url`.
import init, { OAuthClient } from "oauth-edge";

const $ = (id) => document.getElementById(id);

await init();
/** Seconds before expiry at which the client renews the token (its default, said out loud). */
const LEEWAY = 60;
const client = new OAuthClient({ worker: "/auth", refreshLeewaySeconds: LEEWAY });

// ---- configuration ---------------------------------------------------------------------------

let config = null;
async function demoConfig() {
  if (config) return config;
  const meta = document.querySelector('meta[name="oauth-edge-demo-api"]');
  let c = {};
  try {
    const res = await fetch("/demo-config.json", { cache: "no-store" });
    if (res.ok) c = await res.json();
  } catch {
    // no configuration: the default provider only
  }
  const apiUrl = meta?.content || c.api_url || c.apiUrl || null;
  const providers =
    Array.isArray(c.providers) && c.providers.length
      ? c.providers
      : [{ name: "", label: "Default provider", flows: ["redirect"], api: apiUrl }];
  config = { providers };
  return config;
}

/** The entry of the provider the session is with (or the picked one, logged out). */
function entryOf(name) {
  const list = config ? config.providers : [];
  return list.find((p) => p.name === name) || list.find((p) => p.name === "default") || list[0] || null;
}
const picked = () => entryOf($("provider").value);
const sessionEntry = () => entryOf(client.provider ?? $("provider").value);

// ---- view ------------------------------------------------------------------------------------

/** Words for the demo's own errors. */
const DEMO_WORDS = {
  no_api: "This provider has no API configured in the demo (see APP_CONFIG).",
};

function showError(err) {
  const el = $("error");
  const code = err?.code || "unexpected_error";
  el.dataset.code = code;
  el.replaceChildren(document.createTextNode(String(DEMO_WORDS[code] || err?.message || err)));
  if (err?.errorDescription) {
    el.append(document.createTextNode(` The provider said: “${err.errorDescription}”.`));
  } else if (err?.error && err.error !== code) {
    el.append(document.createTextNode(` The provider said: “${err.error}”.`));
  }
  // The stable code, small: what to search the docs for or switch on in code.
  const c = document.createElement("code");
  c.textContent = ` (${code})`;
  const small = document.createElement("small");
  small.append(c);
  el.append(small);
  el.hidden = false;
}

function clearError() {
  const el = $("error");
  el.dataset.code = "";
  el.replaceChildren();
  el.hidden = true;
}

function notice(text) {
  const el = $("notice");
  el.textContent = text || "";
  el.hidden = !text;
}

function describeUser(user) {
  if (!user) return "";
  const name = user.name || user.preferred_username || user.username || user.user_id || user.email || "";
  const id = user.sub || user.id || "";
  const card = user.printedCardNumber ? `, card ${user.printedCardNumber}` : "";
  if (!name && !id) return "(the provider describes no user)";
  return (name && id && name !== id ? `${name} (${id})` : name || id) + card;
}

/** `4 min 05 s`, `45 s`, `1 h 02 min`. */
function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const two = (n) => String(n).padStart(2, "0");
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${two(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${two(Math.floor(s / 60) % 60)} min`;
}
const clock = (unix) =>
  new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

// When the page first saw the current token: its lifetime counts from there, as the client's does.
let seen = { expiresAt: null, at: 0 };

/** The live countdown, and when the client will renew the token: it renews on the first use
 * (`client.fetch`, `getToken`) after `expiresAt - min(leeway, lifetime / 4)`. */
function tick() {
  const el = $("expires-in");
  const renew = $("refresh-at");
  const bar = $("lifetime-bar");
  const at = client.expiresAt;
  const now = Date.now() / 1000;
  if (at == null) {
    el.dataset.expiresAt = "";
    el.textContent = client.loggedIn ? "no expiry given" : "";
    $("expires-clock").textContent = "";
    renew.dataset.refreshAt = "";
    renew.textContent = client.loggedIn ? "only when you click Refresh (no expiry to renew ahead of)" : "";
    bar.style.width = "0";
    return;
  }
  if (seen.expiresAt !== at) seen = { expiresAt: at, at: now };
  const lifetime = Math.max(0, at - seen.at);
  const refreshAt = at - Math.min(LEEWAY, lifetime / 4);
  const left = at - now;
  el.dataset.expiresAt = String(at);
  el.textContent = left > 0 ? duration(left) : "expired";
  el.classList.toggle("soon", now >= refreshAt);
  $("expires-clock").textContent = `(at ${clock(at)})`;
  renew.dataset.refreshAt = String(Math.round(refreshAt));
  renew.textContent =
    now < refreshAt
      ? `on the first API call after ${clock(refreshAt)} (in ${duration(refreshAt - now)})`
      : "on the next API call (the token is within its renewal window)";
  bar.style.width = `${lifetime > 0 ? Math.min(100, Math.max(0, (left / lifetime) * 100)) : 0}%`;
  bar.classList.toggle("soon", now >= refreshAt);
}

/** Shows the pickers and forms the picked provider has. */
function renderPicker() {
  const entry = picked();
  const flows = entry?.flows || ["redirect"];
  const variants = entry?.variants || [];
  // The language picker only for a provider with variants; the provider picker only with a choice.
  $("variant-picker").hidden = variants.length === 0;
  $("provider-choice").hidden = !config || config.providers.length < 2;
  $("provider-picker").hidden = $("provider-choice").hidden && $("variant-picker").hidden;
  $("variant").replaceChildren(...variants.map((v) => new Option(v.label, v.name)));
  $("login").hidden = !flows.includes("redirect");
  $("password-form").hidden = !flows.includes("password");
  $("register-form").hidden = !flows.includes("register");
  const words = { redirect: "sign-in page", password: "password login", register: "registration" };
  $("provider-flows").textContent = entry?.label
    ? `${entry.label}: ${flows.map((f) => words[f] || f).join(", ")}.`
    : "";
}

function render() {
  const loggedIn = client.loggedIn;
  const status = $("status");
  status.textContent = loggedIn ? "logged-in" : "logged-out";
  status.dataset.state = status.textContent;
  $("logged-in-view").hidden = !loggedIn;
  $("logged-out-view").hidden = loggedIn;
  const entry = loggedIn ? sessionEntry() : null;
  $("session-provider").dataset.provider = loggedIn ? client.provider || "" : "";
  $("session-provider").textContent = loggedIn && entry?.label ? `with ${entry.label}` : "";
  $("provider-label").textContent = entry?.label || client.provider || "";
  $("user").textContent = describeUser(client.user);
  $("scopes").textContent = client.scope || "";
  $("api-target").textContent = entry?.api
    ? `${entry.api}${entry.api.startsWith("/api/") ? " (through the Worker's proxy: the token stays there)" : ""}`
    : "none";
  $("call-app-api").hidden = !entry?.app_api;
  $("call-app-api").textContent = entry?.app_api_label || "Call app API";
  if (!loggedIn) $("api-result").textContent = "";
  tick();
}

setInterval(tick, 1000);

// ---- events ----------------------------------------------------------------------------------

client.addEventListener("tokenRefreshed", render);
client.addEventListener("logout", render);
// Each event is a CustomEvent; its `detail` is the payload (here the OAuthError).
client.addEventListener("sessionEnded", ({ detail: err }) => {
  $("status").dataset.ended = err.code;
  showError(err);
  render();
});

// ---- buttons ---------------------------------------------------------------------------------

/** Runs an action with its button disabled; errors are shown in plain words. */
function action(id, fn, event = "click") {
  const el = $(id);
  el.addEventListener(event, async (e) => {
    e.preventDefault();
    const button = el.tagName === "FORM" ? el.querySelector("button") : el;
    button.disabled = true;
    clearError();
    notice("");
    try {
      await fn();
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
      render();
    }
  });
}

/** `{provider}` for the library when a provider is picked (none: the Worker's default). */
const providerOption = () => ($("provider").value ? { provider: $("provider").value } : {});

action("login", async () => {
  delete $("status").dataset.ended;
  const variant = $("variant-picker").hidden ? "" : $("variant").value;
  await client.login({ returnTo: "/", ...providerOption(), ...(variant ? { variant } : {}) });
});

action(
  "password-form",
  async () => {
    delete $("status").dataset.ended;
    await client.loginWithPassword({
      username: $("username").value,
      password: $("password").value,
      ...providerOption(),
    });
    $("password").value = "";
  },
  "submit",
);

action(
  "register-form",
  async () => {
    const username = $("register-username").value;
    await client.register({ username, password: $("register-password").value, ...providerOption() });
    $("register-password").value = "";
    $("username").value = username;
    notice(`Registered “${username}”. Now log in with that user name and password.`);
  },
  "submit",
);

action("refresh", async () => {
  await client.refresh();
});

action("logout", async () => {
  await client.logout();
});

async function showAnswer(res) {
  const text = await res.text();
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: show as sent
  }
  $("api-result").textContent = `HTTP ${res.status}\n${body}`;
}

action("call-api", async () => {
  $("api-result").textContent = "…";
  await demoConfig();
  const entry = sessionEntry();
  if (!entry?.api) throw Object.assign(new Error(DEMO_WORDS.no_api), { code: "no_api" });
  // A URL under the Worker's /api/ proxy is sent there by the library (no token in the page).
  await showAnswer(await client.fetch(entry.api));
});

action("call-app-api", async () => {
  $("api-result").textContent = "…";
  await showAnswer(await client.fetch(sessionEntry().app_api));
});

// ---- start: finish a login redirect, or restore the session through the Worker ---------------

await demoConfig();
$("provider").replaceChildren(...config.providers.map((p) => new Option(p.label || p.name, p.name)));
$("provider").addEventListener("change", () => {
  clearError();
  notice("");
  renderPicker();
});
renderPicker();

try {
  if (client.isCallback()) {
    try {
      const { returnTo } = await client.handleCallback();
      history.replaceState(history.state, "", returnTo);
    } catch (err) {
      showError(err);
      // A failed or replayed callback: the Worker may still hold a session from before.
      await client.restore().catch(() => {});
    }
  } else {
    await client.restore();
  }
} catch (err) {
  showError(err);
}
if (client.provider) $("provider").value = client.provider;
renderPicker();
render();
$("status").dataset.ready = "";
