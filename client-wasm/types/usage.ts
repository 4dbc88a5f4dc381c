// The type test (scripts/check-package.sh): correct uses of the package's types compile, and each
// misuse below must fail to compile. `// @ts-expect-error` fails the check as soon as the line
// under it compiles: a declaration that stops refusing a misuse is caught.
//
// Compiled twice: against client-wasm/js/*.d.ts (tsconfig.json here, "oauth-edge" mapped by
// `paths`) and against the packed tarball in a consumer project (moduleResolution bundler and
// node16).
import {
  OAuthClient,
  OAuthError,
  type ClientErrorCode,
  type OAuthClientEvent,
  type OAuthErrorCode,
  type TokenInfo,
  type User,
  type WorkerErrorCode,
} from "oauth-edge";

export async function correctUses(signal: AbortSignal): Promise<void> {
  const client = new OAuthClient({ worker: "/auth", storage: "session", refreshLeewaySeconds: 30 });
  const target: EventTarget = client;
  void target;

  client.addEventListener("login", (ev) => {
    const info: TokenInfo = ev.detail;
    const expires: number | null = ev.detail.expiresAt;
    const event: CustomEvent<TokenInfo> = ev;
    void [info, expires, event];
  });
  client.addEventListener(
    "sessionEnded",
    (ev) => {
      const err: OAuthError = ev.detail;
      const code: OAuthErrorCode = ev.detail.code;
      void [err, code];
    },
    { once: true, signal },
  );
  client.addEventListener("error", { handleEvent: (ev: OAuthClientEvent<"error">) => void ev.detail.message });
  const onLogout = (ev: CustomEvent<undefined>) => void ev.type;
  client.addEventListener("logout", onLogout, true);
  client.removeEventListener("logout", onLogout, true);

  if (client.isCallback()) {
    const { returnTo }: { returnTo: string } = await client.handleCallback();
    void returnTo;
  } else {
    const user: User | null = await client.restore();
    void user?.sub;
  }
  await client.login({ returnTo: "/account", provider: "paysera", variant: "lt" });
  const info: TokenInfo = await client.loginWithPassword({ username: "u", password: "p" });
  const registered: true = (await client.register({ username: "u", password: "p" })).registered;
  const token: string = await client.getAccessToken();
  const res: Response = await client.fetch("https://api.example/me", { method: "POST" });
  const proxied: Response = await client.apiFetch("paysera/user/me");
  await client.logout({ everywhere: true });
  void [
    info,
    registered,
    token,
    res,
    proxied,
    client.loggedIn,
    client.user,
    client.scope,
    client.expiresAt,
    client.provider,
  ];

  try {
    await client.refresh();
  } catch (e) {
    if (e instanceof OAuthError) {
      const name: "OAuthError" = e.name;
      switch (e.code) {
        case "session_ended":
        case "state_mismatch":
        case "a_providers_own_code":
          break;
      }
      void [name, e.status, e.error, e.errorDescription, e.check, e.cause];
    }
  }
  const client_code: ClientErrorCode = "unknown_event";
  const worker_code: WorkerErrorCode = "no_session";
  void [client_code, worker_code];
}

export async function misuse(client: OAuthClient): Promise<void> {
  // @ts-expect-error no such event: a typo does not compile
  client.addEventListener("logn", () => {});
  // @ts-expect-error a listener gets the event, not the payload
  client.addEventListener("login", (info: TokenInfo) => void info);
  // @ts-expect-error `login`'s detail is a TokenInfo, not an error
  client.addEventListener("login", (ev) => void ev.detail.code);
  // @ts-expect-error `logout` has no detail to read
  client.addEventListener("logout", (ev) => void ev.detail.user);
  // @ts-expect-error not an option of addEventListener
  client.addEventListener("login", () => {}, { onse: true });

  // @ts-expect-error `worker` is required
  new OAuthClient({});
  // @ts-expect-error no such storage
  new OAuthClient({ worker: "/auth", storage: "disk" });
  // @ts-expect-error errors are the library's to make
  new OAuthError("state_mismatch", "x");

  // @ts-expect-error returnTo is a path
  await client.login({ returnTo: 1 });
  // @ts-expect-error the password is required
  await client.loginWithPassword({ username: "u" });
  // @ts-expect-error restore() may give null
  const user: User = await client.restore();
  // @ts-expect-error the token is a string
  const token: number = await client.getAccessToken();
  // @ts-expect-error read-only
  client.user = null;
  // @ts-expect-error not a code of the library
  const code: ClientErrorCode = "no_such_code";
  // @ts-expect-error a client code, not the Worker's
  const worker: WorkerErrorCode = "state_mismatch";
  void [user, token, code, worker];
}
