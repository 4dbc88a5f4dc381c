// The oauth-edge demo: plain ES modules, importing the package by name like any user would.
import init, { OAuthClient } from "oauth-edge";

const $ = (id) => document.getElementById(id);

await init();
const client = new OAuthClient({ worker: "/auth" });

// ---- view ------------------------------------------------------------------------------------

function showError(err) {
  const el = $("error");
  const code = (err && err.code) || "unexpected_error";
  el.dataset.code = code;
  el.replaceChildren(document.createTextNode(String((err && err.message) || err)));
  if (err && err.errorDescription) {
    el.append(document.createTextNode(` The provider said: “${err.errorDescription}”.`));
  }
  const c = document.createElement("code");
  c.textContent = ` (${code})`;
  el.append(c);
  el.hidden = false;
}

function clearError() {
  const el = $("error");
  el.dataset.code = "";
  el.replaceChildren();
  el.hidden = true;
}

function describeUser(user) {
  if (!user) return "";
  const name = user.name || user.preferred_username || user.email || "";
  return name && user.sub && name !== user.sub ? `${name} (${user.sub})` : name || user.sub || "";
}

function tick() {
  const el = $("expires-in");
  const at = client.expiresAt;
  if (at == null) {
    el.dataset.expiresAt = "";
    el.textContent = client.loggedIn ? "no expiry given" : "";
    return;
  }
  el.dataset.expiresAt = String(at);
  el.textContent = `${Math.max(0, Math.round(at - Date.now() / 1000))} s`;
}

function render() {
  const loggedIn = client.loggedIn;
  const status = $("status");
  status.textContent = loggedIn ? "logged-in" : "logged-out";
  status.dataset.state = status.textContent;
  $("logged-in-view").hidden = !loggedIn;
  $("logged-out-view").hidden = loggedIn;
  $("user").textContent = describeUser(client.user);
  $("scopes").textContent = client.scope || "";
  if (!loggedIn) $("api-result").textContent = "";
  tick();
}

setInterval(tick, 1000);

// ---- events ----------------------------------------------------------------------------------

client.addEventListener("tokenRefreshed", render);
client.addEventListener("logout", render);
client.addEventListener("sessionEnded", (err) => {
  $("status").dataset.ended = err.code;
  showError(err);
  render();
});

// ---- buttons ---------------------------------------------------------------------------------

/** Runs a button's action with the button disabled; errors are shown in plain words. */
function action(id, fn) {
  const button = $(id);
  button.addEventListener("click", async () => {
    button.disabled = true;
    clearError();
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

action("login", async () => {
  delete $("status").dataset.ended;
  await client.login({ returnTo: "/" });
});

action("refresh", async () => {
  await client.refresh();
});

action("logout", async () => {
  await client.logout();
});

let apiUrl = null;
async function demoApiUrl() {
  if (apiUrl) return apiUrl;
  const meta = document.querySelector('meta[name="oauth-edge-demo-api"]');
  if (meta && meta.content) return (apiUrl = meta.content);
  const res = await fetch("/demo-config.json", { cache: "no-store" });
  if (!res.ok) {
    throw Object.assign(new Error("The demo API is not configured (no /demo-config.json)."), {
      code: "demo_not_configured",
    });
  }
  const config = await res.json();
  return (apiUrl = config.api_url || config.apiUrl);
}

action("call-api", async () => {
  const out = $("api-result");
  out.textContent = "…";
  const res = await client.fetch(await demoApiUrl());
  const text = await res.text();
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: show as sent
  }
  out.textContent = `HTTP ${res.status}\n${body}`;
});

// ---- start: finish a login redirect, or restore the session through the Worker ---------------

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
render();
$("status").dataset.ready = "";
