import type { Adapter, AdapterPayload } from "oidc-provider";
import type { TenantClient, TenantStore } from "../store.js";

/**
 * oidc-provider storage: everything in memory, one Map per provider instance (the library's own
 * memory adapter is module-global, and tests run several tenants in one process with the same
 * seeded client ids), except `Client`, which is read live from the tenant store so that the
 * Management API's view of applications and the login half's never disagree.
 */

interface Entry {
  payload: AdapterPayload;
  expiresAt?: number;
}

/** What oidc-provider needs to know about an application, derived from its Auth0 record. */
export function clientMetadata(client: TenantClient): AdapterPayload | undefined {
  const interactive = client.grant_types.filter((g) => g === "authorization_code" || g === "refresh_token");
  if (!interactive.includes("authorization_code") || client.callbacks.length === 0) return undefined;
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    client_name: client.name,
    redirect_uris: client.callbacks,
    post_logout_redirect_uris: client.allowed_logout_urls,
    grant_types: interactive,
    response_types: ["code"],
    // Auth0's regular web applications default to client_secret_post; a Basic header is
    // translated to it before the provider sees the request (see index.ts).
    token_endpoint_auth_method:
      client.app_type === "spa" || client.app_type === "native" ? "none" : "client_secret_post",
    id_token_signed_response_alg: "RS256",
  };
}

export function adapterFactory(store: TenantStore): new (name: string) => Adapter {
  const models = new Map<string, Map<string, Entry>>();
  const table = (name: string) => {
    let t = models.get(name);
    if (!t) models.set(name, (t = new Map()));
    return t;
  };

  return class MemoryAdapter implements Adapter {
    private readonly entries: Map<string, Entry>;
    constructor(private readonly name: string) {
      this.entries = table(name);
    }

    private live(id: string): AdapterPayload | undefined {
      const e = this.entries.get(id);
      if (!e) return undefined;
      if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
        this.entries.delete(id);
        return undefined;
      }
      return e.payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.name === "Client") return;
      this.entries.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === "Client") {
        const client = store.client(id);
        return client ? clientMetadata(client) : undefined;
      }
      return this.live(id);
    }
    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      for (const [id, e] of this.entries) if (e.payload.userCode === userCode) return this.live(id);
      return undefined;
    }
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      for (const [id, e] of this.entries) if (e.payload.uid === uid) return this.live(id);
      return undefined;
    }
    async consume(id: string): Promise<void> {
      const e = this.entries.get(id);
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      this.entries.delete(id);
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const t of models.values()) for (const [id, e] of t) if (e.payload.grantId === grantId) t.delete(id);
    }
  };
}
