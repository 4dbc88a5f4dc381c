// The harness ceiling: same route, same request (body read), an answer of the same shape, and no
// work at all (no KV, no crypto, no upstream). What is left is Miniflare/workerd's own cost.
const VIEW = JSON.stringify({
  access_token: "at-1-0123456789abcdef0123456789abcdef01234567",
  token_type: "Bearer",
  expires_at: 2000000000,
  scope: "offline_access",
  user: {},
  provider: "default",
});

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname !== "/auth/refresh" || request.method !== "POST")
      return new Response('{"code":"not_found"}', { status: 404 });
    await request.text();
    return new Response(VIEW, { headers: { "content-type": "application/json", "cache-control": "no-store" } });
  },
};
