import { allCouriers, getTracking, type TrackingCourier } from 'ts-tracking-number';

// A tracking number checked against its carrier's own rules (format and check digit), through ts-tracking-number's
// data of each courier's published schemes: a typo caught when the supplier types it, not when the customer
// finds the link dead.

/** The carriers whose numbers can be checked, by the names suppliers give them (lower-cased). */
const COURIER_BY_NAME = new Map<string, TrackingCourier>();
for (const courier of allCouriers) {
  COURIER_BY_NAME.set(courier.courier_code.toLowerCase(), courier);
  COURIER_BY_NAME.set(courier.name.toLowerCase(), courier);
}

/** The checkable courier a carrier's name means: its name or code, or the name then a service ("UPS Ground"). */
function courierOf(carrier: string): TrackingCourier | undefined {
  const name = carrier.trim().toLowerCase();
  return COURIER_BY_NAME.get(name) ?? COURIER_BY_NAME.get(name.split(/[\s-]+/)[0]!);
}

/**
 * Null when the number may be the carrier's, or why not. A carrier the rules do not cover (a regional post, a
 * freight line) passes: refusing what cannot be checked would block the supplier, not catch a mistake.
 */
export function trackingNumberProblem(carrier: string, trackingNumber: string): string | null {
  const courier = courierOf(carrier);
  if (!courier) return null;
  const number = trackingNumber.replace(/[\s-]/g, '');
  if (getTracking(number, [courier])) return null;
  const other = getTracking(number);
  return other
    ? `not a ${courier.name} tracking number: it reads as ${other.courier.name}'s; check the carrier`
    : `not a valid ${courier.name} tracking number: its format or check digit is wrong; check it for a typo`;
}

/** The carriers whose tracking numbers are checked, for documentation and the portal's hints. */
export const CHECKED_CARRIERS: readonly string[] = allCouriers.map((c) => c.name);
