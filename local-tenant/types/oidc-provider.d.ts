/**
 * Minimal typings for the parts of oidc-provider 8 the local tenant and the demo OIDC IdP use
 * (the package ships none, and @types/oidc-provider is not installed).
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export type AnyObject = Record<string, unknown>;

  export interface AdapterPayload extends AnyObject {
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Interaction {
    uid: string;
    jti: string;
    exp: number;
    returnTo: string;
    prompt: { name: string; reasons: string[]; details: AnyObject };
    params: AnyObject & { client_id?: string; scope?: string; redirect_uri?: string; state?: string };
    session?: { accountId?: string; uid?: string; cookie?: string };
    result?: AnyObject;
    lastSubmission?: AnyObject;
    save(ttl: number): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface Grant {
    jti: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  }

  export interface KoaContextLike {
    oidc: {
      params?: AnyObject;
      client?: { clientId: string };
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      result?: AnyObject & { consent?: { grantId?: string } };
      provider: Provider;
      entities: AnyObject;
    };
    type: string;
    body: unknown;
    status: number;
    set(field: string, value: string): void;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: AnyObject, rejected: string[]): Promise<AnyObject> | AnyObject;
  }

  export interface Configuration extends AnyObject {
    adapter?: new (name: string) => Adapter;
    findAccount?: (ctx: KoaContextLike, sub: string, token?: { grantId?: string }) => Promise<Account | undefined>;
    loadExistingGrant?: (ctx: KoaContextLike) => Promise<Grant | undefined>;
    renderError?: (ctx: KoaContextLike, out: AnyObject, error: Error) => Promise<void>;
  }

  export class errors {
    static OIDCProviderError: new (...args: unknown[]) => Error;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    proxy: boolean;
    Interaction: { find(uid: string): Promise<Interaction | undefined> };
    Grant: {
      new (props: { accountId?: string; clientId?: string }): Grant;
      find(id: string): Promise<Grant | undefined>;
    };
    Session: { find(id: string): Promise<{ accountId?: string; destroy(): Promise<void> } | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: AnyObject,
      opts?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: AnyObject,
      opts?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    cookieName(type: string): string;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** Koa middleware around the provider's own (the demo IdP's token-endpoint misbehaviours). */
    use(fn: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): void;
  }

  export interface ProviderContext {
    method: string;
    path: string;
    status: number;
    body: unknown;
    oidc?: { params?: AnyObject };
    set(name: string, value: string): void;
  }
}
