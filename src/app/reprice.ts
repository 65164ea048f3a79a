import type { FloorHeld, PriceDecision } from '../domain/pricing.ts';
import { recordEvents, type TimelineEvent } from '../store/events.repo.ts';
import { SKUS_PER_STATEMENT, upsertRulePrices, type RulePrice } from '../store/pricing.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { basisInForce, forEachSkuPage, proposePrices, type PricingBasis } from './propose-prices.ts';
import { queuePriceSync } from './sync-channel-prices.ts';

/** What a reprice did: prices whose amount changed (SKU × channel), the channels told, prices held at a floor. */
export interface RepriceOutcome {
  changed: number;
  channels: string[];
  floorsHeld: number;
}

/**
 * Reprices these SKUs on every channel the rules price, in the caller's transaction: stores the prices that
 * changed (with the rule, the rate and the floor that decided them), reports those held at a floor (event
 * `prices.floor_held`), and queues a price sync for each channel whose prices changed. Manual prices are left
 * alone; a SKU the rules cannot price (no usable offer, no rule, no rate) keeps the price it has. Read and written
 * SKUS_PER_STATEMENT SKUs at a time.
 *
 * @example
 * // A feed changed these costs: the channels hear the new prices after the commit.
 * await ctx.store.transact((tx) => repriceSkus(ctx, tx, ['MUG-BLUE', 'TEE-RED-M'], now));
 */
export async function repriceSkus(
  ctx: AppContext,
  tx: Db,
  skus: readonly string[],
  now: number,
): Promise<RepriceOutcome> {
  const basis = await basisInForce(tx);
  const tally = newTally();
  if (basis.channels.length === 0 || skus.length === 0) return outcomeOf(tally);
  const unique = [...new Set(skus)];
  for (let i = 0; i < unique.length; i += SKUS_PER_STATEMENT)
    await repriceChunk(tx, basis, unique.slice(i, i + SKUS_PER_STATEMENT), now, tally);
  return finish(ctx, tx, basis, tally, now);
}

/** Reprices every SKU (the rules or rates changed), a page of SKUS_PER_STATEMENT at a time; as repriceSkus. */
export async function repriceAll(ctx: AppContext, tx: Db, now: number): Promise<RepriceOutcome> {
  const basis = await basisInForce(tx);
  const tally = newTally();
  if (basis.channels.length === 0) return outcomeOf(tally);
  await forEachSkuPage(tx, (page) => repriceChunk(tx, basis, page, now, tally));
  return finish(ctx, tx, basis, tally, now);
}

interface Held {
  sku: string;
  channelId: string;
  floor: FloorHeld;
}

interface Tally {
  changed: number;
  channels: Set<string>;
  held: Held[];
}

function newTally(): Tally {
  return { changed: 0, channels: new Set(), held: [] };
}

function outcomeOf(tally: Tally): RepriceOutcome {
  return { changed: tally.changed, channels: [...tally.channels].sort(), floorsHeld: tally.held.length };
}

/** Stores the chunk's prices that differ from what is stored (amount, or the rule, rate or floor behind it). */
async function repriceChunk(
  tx: Db,
  basis: PricingBasis,
  skus: readonly string[],
  now: number,
  tally: Tally,
): Promise<void> {
  const writes: RulePrice[] = [];
  for (const { sku, channel, current, decision } of await proposePrices(tx, basis, skus)) {
    if (decision.kind !== 'priced') continue;
    const row = rulePriceOf(sku, channel.id, decision);
    const moved = !current || current.amount !== row.amount || current.currency !== row.currency;
    const same =
      !moved && current.rule === row.rule && current.rate === row.rate && current.floor === row.floor;
    if (same) continue;
    writes.push(row);
    if (moved) {
      tally.changed += 1;
      tally.channels.add(channel.id);
    }
    // Reported when the price comes to rest on a floor, not again at every reprice that leaves it there.
    if (decision.floor && (moved || current?.floor !== decision.floor.kind))
      tally.held.push({ sku, channelId: channel.id, floor: decision.floor });
  }
  await upsertRulePrices(tx, writes, now);
}

function rulePriceOf(
  sku: string,
  channelId: string,
  decision: PriceDecision & { kind: 'priced' },
): RulePrice {
  const { rate } = decision;
  return {
    channelId,
    sku,
    amount: decision.price.amount,
    currency: decision.price.currency,
    rule: JSON.stringify(decision.rule),
    // In a fixed order, so the same rate always reads the same and an unchanged one is not rewritten.
    rate: rate
      ? JSON.stringify({
          from: rate.from,
          to: rate.to,
          rate: rate.rate,
          source: rate.source,
          asOf: rate.asOf,
        })
      : null,
    floor: decision.floor?.kind ?? null,
  };
}

/** Events per chunk of held prices: a feed that holds 50,000 at their floors is not one enormous row. */
const HELD_PER_EVENT = 500;

/** Reports the floors held, one event per channel (and chunk), and queues the channels' price syncs. */
async function finish(
  ctx: AppContext,
  tx: Db,
  basis: PricingBasis,
  tally: Tally,
  now: number,
): Promise<RepriceOutcome> {
  const events: TimelineEvent[] = [];
  for (const channel of basis.channels) {
    const held = tally.held.filter((h) => h.channelId === channel.id);
    for (let i = 0; i < held.length; i += HELD_PER_EVENT)
      events.push({
        orderId: null,
        subjectType: 'job',
        subjectId: channel.id,
        type: 'prices.floor_held',
        data: {
          channelId: channel.id,
          rulesVersion: basis.version,
          held: held.slice(i, i + HELD_PER_EVENT).map(({ sku, floor }) => ({
            sku,
            floor: floor.kind,
            floorPrice: floor.floor,
            wanted: floor.wanted,
            price: floor.held,
          })),
        },
      });
  }
  await recordEvents(tx, new Date(now), events);
  const outcome = outcomeOf(tally);
  // After the commit the channels hear only what changed (the sync compares with what each was told).
  await queuePriceSync(ctx, tx, outcome.channels, now);
  return outcome;
}
