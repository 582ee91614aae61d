import { expiryStage, expiryTone } from "./certificate-expiry";

/**
 * An organization's health as a loader sends it (the support dashboard's rows, its support page):
 * dates as ISO strings, and the signing certificate's tone and whether it has expired as of `now`.
 */
export function healthView<
  H extends { certNotAfter: Date | null; driftCheckedAt: Date | null; metadataCheckedAt: Date | null },
>(health: H, now: Date) {
  const { certNotAfter } = health;
  return {
    ...health,
    certNotAfter: certNotAfter?.toISOString() ?? null,
    certTone: certNotAfter ? expiryTone(expiryStage(certNotAfter, now)) : null,
    certExpired: certNotAfter ? certNotAfter <= now : false,
    driftCheckedAt: health.driftCheckedAt?.toISOString() ?? null,
    metadataCheckedAt: health.metadataCheckedAt?.toISOString() ?? null,
  };
}
