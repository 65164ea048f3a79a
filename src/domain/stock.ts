/**
 * Available to promise. A SKU's supply is what its suppliers report, less each supplier's safety buffer (feeds are
 * late and optimistic), minus what open orders have already reserved. An active offer that does not report stock
 * makes the SKU unbounded: Waybill cannot promise less than the supplier does.
 */
export interface OfferSupply {
  active: boolean;
  /** Units the supplier last reported, or null when it does not report stock. */
  stock: number | null;
  /** Units held back from this supplier's count. */
  safetyBuffer: number;
}

export interface Supply {
  /** False when some active offer does not report stock: then nothing limits the SKU. */
  bounded: boolean;
  units: number;
}

export function supplyOf(offers: readonly OfferSupply[]): Supply {
  const active = offers.filter((o) => o.active);
  if (active.some((o) => o.stock === null)) return { bounded: false, units: 0 };
  return {
    bounded: true,
    units: active.reduce((total, o) => total + Math.max(0, (o.stock ?? 0) - o.safetyBuffer), 0),
  };
}

/** Units still promisable; null when unbounded. Never negative (a feed may report less than is already reserved). */
export function availableToPromise(level: {
  bounded: boolean;
  onHand: number;
  reserved: number;
}): number | null {
  return level.bounded ? Math.max(0, level.onHand - level.reserved) : null;
}

/** Whether all `quantity` units can be held now: an unbounded SKU always can; a line gets all its units or none. */
export function canReserve(
  level: { bounded: boolean; onHand: number; reserved: number },
  quantity: number,
): boolean {
  return !level.bounded || level.onHand - level.reserved >= quantity;
}

/** What a channel does with a line it cannot have: take the order and wait for stock, or cancel the line and refund. */
export type BackorderPolicy = 'accept' | 'cancel';
export const BACKORDER_POLICIES: readonly BackorderPolicy[] = ['accept', 'cancel'];

/** What of available-to-promise one channel is told: at most `cap` units, or `sharePercent` of it (rounded down). */
export type Allocation = { cap: number } | { sharePercent: number };

/**
 * The quantity a channel with this allocation is told. Reservations still take from the one pool: an allocation
 * keeps one channel from showing everything, it does not set stock aside for it.
 */
export function allocatedToChannel(available: number, allocation: Allocation | null): number {
  if (!allocation) return available;
  if ('cap' in allocation) return Math.min(available, allocation.cap);
  return Math.floor((available * allocation.sharePercent) / 100);
}

/** The stored allocation of a channel (JSON from the setup document), or null when it has none. */
export function parseAllocation(json: string | null): Allocation | null {
  if (!json) return null;
  const value = JSON.parse(json) as { cap?: number; sharePercent?: number };
  if (typeof value.cap === 'number') return { cap: value.cap };
  if (typeof value.sharePercent === 'number') return { sharePercent: value.sharePercent };
  return null;
}
