// A small in-memory adapter for oidc-provider, one store per provider instance.
//
// oidc-provider's built-in MemoryAdapter shares one LRU (max 1000 entries) between all providers of
// a process and cannot list its entries. Tests start several IdPs in one process and need to revoke
// every grant of a user ("the provider revoked the grant"), so this store keeps plain Maps and can
// enumerate them. Expiry is honoured on read.

const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "PreAuthorizedCode",
]);

export function createStore() {
  /** key "Model:id" -> { payload, expiresAt } */
  const entries = new Map();
  /** grantId -> Set of "Model:id" keys */
  const grantMembers = new Map();
  /** "sessionUid:<uid>" / "userCode:<code>" -> id */
  const indexes = new Map();

  const now = () => Date.now();

  function get(key) {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  function removeIndexes(model, id, key, payload) {
    if (payload.uid && indexes.get(`sessionUid:${payload.uid}`) === id) {
      indexes.delete(`sessionUid:${payload.uid}`);
    }
    if (payload.userCode && indexes.get(`userCode:${payload.userCode}`) === id) {
      indexes.delete(`userCode:${payload.userCode}`);
    }
    if (GRANTABLE.has(model) && payload.grantId) {
      grantMembers.get(payload.grantId)?.delete(key);
    }
  }

  class Adapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const previous = entries.get(key);
      if (previous) removeIndexes(this.model, id, key, previous.payload);
      const expiresAt = typeof expiresIn === "number" ? now() + expiresIn * 1000 : undefined;
      entries.set(key, { payload, expiresAt });
      if (this.model === "Session" && payload.uid) indexes.set(`sessionUid:${payload.uid}`, id);
      if (payload.userCode) indexes.set(`userCode:${payload.userCode}`, id);
      if (GRANTABLE.has(this.model) && payload.grantId) {
        if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
        grantMembers.get(payload.grantId).add(key);
      }
    }

    async find(id) {
      if (id === undefined) return undefined;
      return get(this.key(id));
    }

    async findByUid(uid) {
      return this.find(indexes.get(`sessionUid:${uid}`));
    }

    async findByUserCode(userCode) {
      return this.find(indexes.get(`userCode:${userCode}`));
    }

    async consume(id) {
      const payload = get(this.key(id));
      if (payload) payload.consumed = Math.floor(now() / 1000);
    }

    async destroy(id) {
      const key = this.key(id);
      const entry = entries.get(key);
      entries.delete(key);
      if (entry) removeIndexes(this.model, id, key, entry.payload);
    }

    async revokeByGrantId(grantId) {
      revokeGrantTokens(grantId);
    }
  }

  function revokeGrantTokens(grantId) {
    const members = grantMembers.get(grantId);
    let n = 0;
    if (members) {
      for (const key of members) {
        if (entries.delete(key)) n += 1;
      }
      grantMembers.delete(grantId);
    }
    return n;
  }

  /** All live payloads of one model, as [id, payload]. */
  function list(model) {
    const out = [];
    const prefix = `${model}:`;
    for (const key of [...entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const payload = get(key);
      if (payload) out.push([key.slice(prefix.length), payload]);
    }
    return out;
  }

  /**
   * Destroy every grant (optionally only those of one account) and every token issued under it.
   * Returns the number of grants revoked.
   */
  function revokeGrants({ accountId } = {}) {
    let revoked = 0;
    for (const [id, payload] of list("Grant")) {
      if (accountId !== undefined && payload.accountId !== accountId) continue;
      revokeGrantTokens(id);
      entries.delete(`Grant:${id}`);
      revoked += 1;
    }
    return revoked;
  }

  /** Destroy every access token (the refresh tokens stay): the API answers 401 until a refresh. */
  function revokeAccessTokens() {
    let n = 0;
    for (const [id, payload] of list("AccessToken")) {
      entries.delete(`AccessToken:${id}`);
      if (payload.grantId) grantMembers.get(payload.grantId)?.delete(`AccessToken:${id}`);
      n += 1;
    }
    return n;
  }

  return { Adapter, list, revokeGrants, revokeAccessTokens };
}
