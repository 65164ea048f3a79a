/**
 * The Admin API version Waybill speaks, and until when Shopify supports it
 * (https://shopify.dev/docs/api/usage/versioning): a stable version is released on the first of its quarter's month
 * at 17:00 UTC and supported for twelve months. After that Shopify "falls forward": it answers with the oldest
 * version still supported, and says which in the X-Shopify-API-Version header of every answer.
 */
export const SHOPIFY_API_VERSION = '2026-10';
export const SHOPIFY_API_VERSION_SUPPORTED_UNTIL = '2027-10-01T17:00:00Z';
/** The channel's status warns this long before the pinned version leaves support. */
export const WARN_DAYS_BEFORE_END = 90;
const DAY_MS = 24 * 60 * 60_000;

/** Shopify answered one shop with another version than Waybill asked for. */
export interface ServedVersionNote {
  /** The shop's Admin API base (adminBase in ./transport.ts): what the note is filed under. */
  shop: string;
  requested: string;
  served: string;
}

/** What GET /api/v1/channels shows of a Shopify channel's API version. */
export interface ApiVersionStatus {
  requested: string;
  supportedUntil: string;
  /** The version Shopify last said it answered with, when not the one asked for; else null. */
  served: string | null;
  warnings: string[];
}

/** The status at `now`, given the last note of another version served (if any). */
export function apiVersionStatus(
  now: Date,
  note: Pick<ServedVersionNote, 'requested' | 'served'> | null,
): ApiVersionStatus {
  const served =
    note && note.requested === SHOPIFY_API_VERSION && note.served !== SHOPIFY_API_VERSION
      ? note.served
      : null;
  const warnings: string[] = [];
  const end = Date.parse(SHOPIFY_API_VERSION_SUPPORTED_UNTIL);
  const until = SHOPIFY_API_VERSION_SUPPORTED_UNTIL.slice(0, 10);
  if (served)
    warnings.push(
      `Shopify answers with Admin API version ${served}, not ${SHOPIFY_API_VERSION} as Waybill asks: update Waybill`,
    );
  if (now.getTime() >= end)
    warnings.push(
      `Admin API version ${SHOPIFY_API_VERSION} left Shopify's support on ${until}: update Waybill`,
    );
  else if (now.getTime() >= end - WARN_DAYS_BEFORE_END * DAY_MS) {
    warnings.push(
      `Admin API version ${SHOPIFY_API_VERSION} leaves Shopify's support on ${until}: update Waybill before then`,
    );
  }
  return {
    requested: SHOPIFY_API_VERSION,
    supportedUntil: SHOPIFY_API_VERSION_SUPPORTED_UNTIL,
    served,
    warnings,
  };
}

/** Shopify's side of a channel's API version status (ApiVersioning): the pinned version and its warnings. */
export const shopifyApiVersioning = {
  requested: SHOPIFY_API_VERSION,
  supportedUntil: SHOPIFY_API_VERSION_SUPPORTED_UNTIL,
  status: (now: Date, served: string | null) => {
    const status = apiVersionStatus(now, served ? { requested: SHOPIFY_API_VERSION, served } : null);
    return { served: status.served, warnings: status.warnings };
  },
};

/** Passes on the version of an answer when it is not the pinned one (X-Shopify-API-Version, null when missing). */
export function watchServedVersion(
  tell: ((served: string) => void) | undefined,
): (served: string | null) => void {
  return (served) => {
    if (served && served !== SHOPIFY_API_VERSION) tell?.(served);
  };
}
