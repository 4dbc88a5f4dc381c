/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** An API that takes the provider's access token as `Authorization: Bearer …`, called with
   * `client.fetch` (default: the local authorization server's demo API). */
  readonly VITE_API_URL?: string;
  /** `<provider>/<path>` under the Worker's API proxy, called with `client.apiFetch`
   * (the provider entry needs an `api.base_url`; see wrangler.toml). */
  readonly VITE_PROXY_PATH?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
