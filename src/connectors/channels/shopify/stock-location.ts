import { PermanentError } from '../../../domain/permanent-error.ts';
import { stockLocationQuery, type AdminClient } from './graphql.ts';
import type { ShopMemory } from './variants.ts';

/** Where stock is set: Shopify's location id, and its name for the operator. */
export interface Place {
  id: string;
  name: string;
}

/**
 * How long a location looked up is taken as it is: the stock sync pushes every second, in batches of 250, and one
 * lookup per batch was a call per 250 SKUs. Short, because a location deleted, deactivated or no longer the primary
 * would have the SKUs skipped until it runs out (they are not recorded as told, so they go again); a refusal that
 * names the location forgets it at once (forgetStockLocation).
 */
const PLACE_FOR_MS = 60_000;

/** The configured location, or the shop's primary one, as Shopify names it: remembered for a minute. */
export async function stockLocation(
  client: AdminClient,
  memory: ShopMemory,
  locationId: string | undefined,
  now: number,
): Promise<Place> {
  const known = memory.places.get(locationId ?? '');
  if (known && known.until > now) return { id: known.id, name: known.name };
  const { location } = await client(stockLocationQuery, { id: locationId ?? null });
  if (!location) {
    throw new PermanentError(
      locationId
        ? `Shopify has no location ${locationId} (locationId of the channel)`
        : 'the shop has no primary location to set stock at',
    );
  }
  if (!location.isActive)
    throw new PermanentError(
      `the Shopify location ${location.name} is deactivated: Waybill cannot set stock there`,
    );
  const place = { id: location.id, name: location.name };
  memory.places.set(locationId ?? '', { ...place, until: now + PLACE_FOR_MS });
  return place;
}

/** Shopify refused something about the location: the next push looks it up again. */
export function forgetStockLocation(memory: ShopMemory, locationId: string | undefined): void {
  memory.places.delete(locationId ?? '');
}
