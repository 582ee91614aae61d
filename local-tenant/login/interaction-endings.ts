import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";

/**
 * How a login interaction of an oidc-provider (the tenant's, or a demo IdP's) ends: the user signed
 * in and consented to a grant, consented to a grant in a session they already had, or was refused.
 */
export function finishSignedIn(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  accountId: string,
  grantId: string,
): Promise<void> {
  return provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

export function finishConsented(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  grantId: string,
): Promise<void> {
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

export function finishRefused(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  error: string,
  description: string,
): Promise<void> {
  return provider.interactionFinished(
    req,
    res,
    { error, error_description: description },
    { mergeWithLastSubmission: false },
  );
}
