import { hashToken, safeEqual } from '../infra/tokens.ts';
import type { Db } from '../store/schema.ts';
import { refreshSupply } from '../store/stock.repo.ts';
import { forgetChannelStock } from '../store/channels.repo.ts';
import { getSetting, putSetting } from '../store/partners.repo.ts';
import {
  findChannelRow,
  findSupplierRow,
  insertChannel,
  insertSupplier,
  listChannelCurrencies,
  listSupplierCurrencies,
  listSupplierTokenHashes,
  listTakenGtins,
  updateChannelSettings,
  updateSupplierSettings,
} from '../store/setup.repo.ts';
import {
  deleteChannelPrice,
  findVariantRow,
  insertVariant,
  listChannelPricesOfSku,
  listOffersOfSku,
  listSkusOfferedBy,
  replaceOffers,
  updateVariant,
  type OfferColumns,
  upsertChannelPrice,
} from '../store/setup-catalog.repo.ts';
import type { AppContext } from './context.ts';
import { wakeFulfilmentRequests } from './answer-fulfilment-requests.ts';
import { InputError } from './errors.ts';
import { ensureChannelJobs } from './channel-jobs.ts';
import { wakeBackorderFill } from './fill-backorders.ts';
import { queuePriceSync } from './sync-channel-prices.ts';
import { wakeStockSyncs } from './sync-channel-stock.ts';
import { offerNode, type ChannelEntry, type SetupDocument } from './setup-document.ts';
import { saveRoutingRules } from './routing-rules.ts';
import { savePricingRules } from './pricing-rules.ts';
import { repriceAll, repriceSkus } from './reprice.ts';
import { markPricesManual } from '../store/pricing.repo.ts';
import { splitFeedSecrets } from './feed-settings.ts';
import { forgetFeedPull, listSuppliersWithFeeds } from '../store/feed-imports.repo.ts';
import { wakeJobs } from '../jobs/queue.ts';
import { pullFeedJob } from './pull-feed.ts';
import { splitSetupEntry } from '../connectors/shared/setup-fields.ts';

export interface ApplyReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  dryRun: boolean;
}

type Change = 'created' | 'updated' | 'unchanged';

/**
 * Creates or updates what a setup document names, in one transaction: all of it or none. Applying the same
 * document twice reports everything unchanged the second time. Nothing the document does not name is deleted.
 */
export async function applySetup(
  ctx: AppContext,
  doc: SetupDocument,
  options: { dryRun?: boolean } = {},
): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], updated: [], unchanged: [], dryRun: options.dryRun ?? false };
  const note = (change: Change, what: string) => report[change].push(what);
  const run = async (tx: Db) => {
    await checkReferences(tx, doc);
    const now = ctx.clock.now().getTime();
    if (doc.retailer) {
      note(await upsertSetting(tx, 'retailer.name', doc.retailer.name), 'retailer');
      if (doc.retailer.returnAddress)
        note(
          await upsertSetting(tx, 'retailer.returnAddress', JSON.stringify(doc.retailer.returnAddress)),
          'retailer.returnAddress',
        );
      if (doc.retailer.logo)
        note(await upsertSetting(tx, 'retailer.logo', doc.retailer.logo), 'retailer.logo');
    }
    if (doc.publicUrl)
      note(await upsertSetting(tx, 'hub.publicUrl', doc.publicUrl.replace(/\/+$/, '')), 'publicUrl');
    for (const c of doc.channels) note(await upsertChannel(ctx, tx, c, now), `channel ${c.id}`);
    for (const s of doc.suppliers)
      note(await upsertSupplier(ctx, tx, s, 'supplier', now), `supplier ${s.id}`);
    for (const w of doc.warehouses)
      note(await upsertSupplier(ctx, tx, w, 'warehouse', now), `warehouse ${w.id}`);
    if (doc.routing) {
      const saved = await saveRoutingRules(tx, doc.routing, now);
      note(saved.changed ? (saved.version === 1 ? 'created' : 'updated') : 'unchanged', 'routing');
    }
    const pricing = doc.pricing && (await savePricingRules(tx, doc.pricing, now));
    if (pricing)
      note(pricing.changed ? (pricing.version === 1 ? 'created' : 'updated') : 'unchanged', 'pricing');
    const repriced = new Set<string>();
    // Suppliers with a feed: what their feeds say of offers stands (see withFeedValues).
    const fed = new Set((await listSuppliersWithFeeds(tx)).map((s) => s.id));
    for (const p of doc.products) note(await upsertProduct(tx, p, now, repriced, fed), `product ${p.sku}`);
    // New prices go out after the commit, one sync per channel whose prices changed.
    await queuePriceSync(ctx, tx, [...repriced], now);
    // Rule prices follow the rules, costs, offers and tags: every SKU when the rules changed, else the document's.
    if (pricing?.changed) await repriceAll(ctx, tx, now);
    else
      await repriceSkus(
        ctx,
        tx,
        doc.products.map((p) => p.sku),
        now,
      );
    // New stock may fill backorders.
    if (doc.products.length) await wakeBackorderFill(tx, now);
    if (report.created.length || report.updated.length) {
      // New offers or buffers change what can be promised: every channel hears it now, not at its sync's next turn.
      await wakeStockSyncs(tx, now);
      // A new public address or channel settings: fulfilment services are registered (or moved) now, not at the next turn.
      await wakeFulfilmentRequests(tx, now);
    }
    if (report.dryRun) throw new DryRunRollback();
  };
  try {
    await ctx.store.transact(run);
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
    return report;
  }
  // A new channel starts its stock sync and catch-up poll (idempotent for the ones already running).
  await ensureChannelJobs(ctx);
  return report;
}

class DryRunRollback extends Error {}

async function checkReferences(tx: Db, doc: SetupDocument): Promise<void> {
  refuseDuplicates(
    doc.channels.map((c) => c.id),
    'channels',
    'id',
  );
  refuseDuplicates(
    doc.suppliers.map((s) => s.id),
    'suppliers',
    'id',
  );
  refuseDuplicates(
    doc.warehouses.map((w) => w.id),
    'warehouses',
    'id',
  );
  const warehouseAlsoSupplier = doc.warehouses.findIndex((w) => doc.suppliers.some((s) => s.id === w.id));
  if (warehouseAlsoSupplier >= 0)
    throw new InputError(
      `warehouses[${warehouseAlsoSupplier}].id`,
      `${doc.warehouses[warehouseAlsoSupplier]!.id} is also a supplier`,
    );
  refuseDuplicates(
    doc.products.map((p) => p.sku),
    'products',
    'sku',
  );
  const channelCurrency = new Map<string, string>(doc.channels.map((c) => [c.id, c.currency]));
  for (const c of await listChannelCurrencies(tx))
    if (!channelCurrency.has(c.id)) channelCurrency.set(c.id, c.currency);
  doc.products.forEach((p, i) =>
    p.prices?.forEach((price, j) => {
      const field = `products[${i}].prices[${j}]`;
      const currency = channelCurrency.get(price.channel);
      if (!currency) throw new InputError(`${field}.channel`, `no channel ${price.channel}`);
      if (price.currency !== currency)
        throw new InputError(`${field}.currency`, `must be the channel's currency ${currency}`);
      if (p.prices!.findIndex((other) => other.channel === price.channel) < j)
        throw new InputError(`${field}.channel`, `a second price on ${price.channel} for ${p.sku}`);
    }),
  );
  const named = new Map<string, { currency: string; kind: string }>([
    ...doc.suppliers.map((s) => [s.id, { currency: s.currency, kind: 'supplier' }] as const),
    ...doc.warehouses.map((w) => [w.id, { currency: w.currency, kind: 'warehouse' }] as const),
  ]);
  const stored = await listSupplierCurrencies(tx);
  for (const s of stored) if (!named.has(s.id)) named.set(s.id, { currency: s.currency, kind: s.node_kind });
  // A node keeps its kind: a supplier's purchase orders are not a warehouse's fulfilment requests.
  const storedKind = new Map(stored.map((s) => [s.id, s.node_kind]));
  for (const [list, kind] of [
    ['suppliers', 'supplier'],
    ['warehouses', 'warehouse'],
  ] as const)
    doc[list].forEach((node, i) => {
      const before = storedKind.get(node.id);
      if (before && before !== kind)
        throw new InputError(`${list}[${i}].id`, `${node.id} is a ${before}: it stays one`);
    });
  doc.products.forEach((p, i) =>
    p.offers.forEach((o, j) => {
      const field = `products[${i}].offers[${j}]`;
      const wanted = offerNode(o);
      const node = named.get(wanted.id);
      if (!node || node.kind !== wanted.kind)
        throw new InputError(`${field}.${wanted.kind}`, `no ${wanted.kind} ${wanted.id}`);
      const currency = node.currency;
      if (o.cost.currency !== currency)
        throw new InputError(`${field}.cost.currency`, `must be the ${wanted.kind}'s currency ${currency}`);
      if (p.offers.findIndex((other) => offerNode(other).id === wanted.id) < j)
        throw new InputError(`${field}.${wanted.kind}`, `a second offer from ${wanted.id} for ${p.sku}`);
    }),
  );
  // What the database keeps unique, checked here so a clash is refused naming the field instead of failing the insert.
  const docSkus = new Set(doc.products.map((p) => p.sku));
  const takenGtins = new Map(
    (await listTakenGtins(tx)).filter((v) => !docSkus.has(v.sku)).map((v) => [v.gtin, v.sku]),
  );
  doc.products.forEach((p, i) => {
    const holder =
      p.gtin === undefined
        ? undefined
        : (takenGtins.get(p.gtin) ?? doc.products.slice(0, i).find((q) => q.gtin === p.gtin)?.sku);
    if (holder !== undefined)
      throw new InputError(`products[${i}].gtin`, `GTIN ${p.gtin} is already used by ${holder}`);
  });
  // A token names one node: suppliers and warehouses alike.
  const nodes = [
    ...doc.suppliers.map((s, i) => ({ node: s, at: `suppliers[${i}]` })),
    ...doc.warehouses.map((w, i) => ({ node: w, at: `warehouses[${i}]` })),
  ];
  const docNodeIds = new Set(nodes.map((n) => n.node.id));
  const takenTokens = new Map(
    (await listSupplierTokenHashes(tx)).filter((s) => !docNodeIds.has(s.id)).map((s) => [s.hash, s.id]),
  );
  nodes.forEach(({ node, at }, i) => {
    const hash = node.apiToken === undefined ? undefined : hashToken(node.apiToken);
    const holder =
      hash === undefined
        ? undefined
        : (takenTokens.get(hash) ??
          nodes.slice(0, i).find((q) => q.node.apiToken === node.apiToken)?.node.id);
    if (holder !== undefined)
      throw new InputError(
        `${at}.apiToken`,
        `the same token as ${holder}; each supplier or warehouse needs its own`,
      );
  });
}

/** The same id twice in one document would silently let the last one win. */
function refuseDuplicates(keys: readonly string[], list: string, field: string): void {
  const at = keys.findIndex((key, i) => keys.indexOf(key) !== i);
  if (at >= 0) throw new InputError(`${list}[${at}].${field}`, `${keys[at]} is named twice`);
}

async function upsertSetting(tx: Db, key: string, value: string): Promise<Change> {
  const current = await getSetting(tx, key);
  if (current === value) return 'unchanged';
  await putSetting(tx, key, value);
  return current === null ? 'created' : 'updated';
}

/** Secrets are compared after decryption: a re-encryption alone (new IV) is not a change. */
function sameSecrets(ctx: AppContext, sealed: string | null, wanted: Record<string, string>): boolean {
  const current = sealed ? ctx.secrets.open(sealed) : {};
  const keys = new Set([...Object.keys(current), ...Object.keys(wanted)]);
  return [...keys].every((k) => safeEqual(current[k] ?? '', wanted[k] ?? ''));
}

function sealOrNull(
  ctx: AppContext,
  plain: Record<string, string>,
): { sealed: string | null; plain: Record<string, string> } {
  return { sealed: Object.keys(plain).length ? ctx.secrets.seal(plain) : null, plain };
}

async function upsertChannel(ctx: AppContext, tx: Db, c: ChannelEntry, now: number): Promise<Change> {
  const row = await findChannelRow(tx, c.id);
  const { config, secrets } = splitSetupEntry(kindOf(ctx.channels.get(c.kind), c.kind).setup, c);
  const { sealed, plain } = sealOrNull(ctx, secrets);
  const fields = {
    kind: c.kind,
    name: c.name,
    currency: c.currency,
    config: Object.keys(config).length ? JSON.stringify(config) : null,
    backorder_policy: c.backorderPolicy,
    allocation: c.allocation ? JSON.stringify(c.allocation) : null,
  };
  if (!row) {
    await insertChannel(tx, c.id, { ...fields, secrets: sealed }, now);
    return 'created';
  }
  const same =
    (Object.keys(fields) as (keyof typeof fields)[]).every((k) => row[k] === fields[k]) &&
    sameSecrets(ctx, row.secrets, plain);
  if (same) return 'unchanged';
  await updateChannelSettings(tx, c.id, { ...fields, secrets: sealed }, now);
  if (row.allocation !== fields.allocation) {
    // A new allocation changes what the channel should show of every SKU: forget what it was told, and its next
    // stock sync compares every SKU from the start.
    await forgetChannelStock(tx, c.id);
  }
  return 'updated';
}

/** The document was read against the same registry: a kind it does not know cannot get here. */
function kindOf<K>(found: K | undefined, kind: string): K {
  if (!found) throw new Error(`no adapter of kind ${kind}`);
  return found;
}

async function upsertSupplier(
  ctx: AppContext,
  tx: Db,
  s: SetupDocument['suppliers'][number],
  nodeKind: 'supplier' | 'warehouse',
  now: number,
): Promise<Change> {
  const row = await findSupplierRow(tx, s.id);
  const { config, secrets } = splitSetupEntry(
    kindOf(ctx.transports.get(s.transport.kind), s.transport.kind).setup,
    s.transport,
  );
  const { sealed, plain } = sealOrNull(ctx, secrets);
  const feed = s.feed ? splitFeedSecrets(s.feed) : undefined;
  const feedSecrets = sealOrNull(ctx, feed?.secrets ?? {});
  const fields = {
    name: s.name,
    currency: s.currency,
    transport_kind: s.transport.kind,
    transport_config: JSON.stringify(config),
    api_token_hash: s.apiToken ? hashToken(s.apiToken) : null,
    ack_within_minutes: s.ackWithinMinutes,
    safety_buffer: s.safetyBuffer,
    paused: s.paused ? 1 : 0,
    node_kind: nodeKind,
    score: s.score,
    ship_from: s.shipFrom ? JSON.stringify(s.shipFrom) : null,
    ship_within_minutes: s.shipWithinMinutes ?? null,
    working_calendar: s.workingHours ? JSON.stringify(s.workingHours) : null,
    po_boxes: s.deliversToPoBoxes ? 1 : 0,
    feed_config: feed ? JSON.stringify(feed.clear) : null,
  };
  const sealedAll = { secrets: sealed, feed_secrets: feedSecrets.sealed };
  if (!row) {
    await insertSupplier(tx, s.id, { ...fields, ...sealedAll }, now);
    return 'created';
  }
  const same =
    (Object.keys(fields) as (keyof typeof fields)[]).every((k) => row[k] === fields[k]) &&
    sameSecrets(ctx, row.secrets, plain) &&
    sameSecrets(ctx, row.feed_secrets, feedSecrets.plain);
  if (same) return 'unchanged';
  await updateSupplierSettings(tx, s.id, { ...fields, ...sealedAll }, now);
  if (row.feed_config !== fields.feed_config || !sameSecrets(ctx, row.feed_secrets, feedSecrets.plain)) {
    // A new mapping reads the same file differently, a new address is another file: the next pull reads it whole,
    // and now rather than at the old schedule's next turn.
    await forgetFeedPull(tx, s.id);
    await wakeJobs(tx, { key: pullFeedJob.key({ supplierId: s.id }) }, now);
  }
  if (row.safety_buffer !== fields.safety_buffer || row.paused !== fields.paused) {
    // A new buffer, or a pause, changes what every SKU this supplier offers can promise.
    await refreshSupply(tx, await listSkusOfferedBy(tx, s.id), now);
  }
  return 'updated';
}

async function upsertProduct(
  tx: Db,
  p: SetupDocument['products'][number],
  now: number,
  repriced: Set<string>,
  fed: ReadonlySet<string>,
): Promise<Change> {
  const variant = await findVariantRow(tx, p.sku);
  const offers = p.offers.map((o) => ({
    supplier_id: offerNode(o).id,
    sku: p.sku,
    supplier_sku: o.supplierSku,
    cost_amount: o.cost.amount,
    cost_currency: o.cost.currency,
    priority: o.priority,
    active: o.active ? 1 : 0,
    stock: o.stock ?? null,
    lead_days: o.leadDays,
    shipping_estimate: o.shippingEstimate,
    drop_ship_fee: o.dropShipFee,
    min_quantity: o.minQuantity,
    pack_size: o.packSize,
    ship_from: o.shipFrom ? JSON.stringify(o.shipFrom) : null,
  }));
  const current = await listOffersOfSku(tx, p.sku);
  const wanted = withFeedValues(offers, current, fed);
  const offersSame = canonical(current) === canonical(wanted);
  const pricesChanged = variant ? await upsertPrices(tx, p, now) : [];
  for (const channelId of pricesChanged) repriced.add(channelId);
  const named = {
    sku: p.sku,
    name: p.name,
    gtin: p.gtin ?? null,
    tags: p.tags ? JSON.stringify(p.tags) : null,
    category: p.category ?? null,
  };
  const variantSame =
    variant && (['name', 'gtin', 'tags', 'category'] as const).every((k) => variant[k] === named[k]);
  if (variantSame && offersSame) return pricesChanged.length ? 'updated' : 'unchanged';
  if (!variant) await insertVariant(tx, named, now);
  else await updateVariant(tx, named, now);
  if (!offersSame) await replaceOffers(tx, p.sku, wanted, now);
  // What the SKU can promise follows its offers, in the same transaction.
  await refreshSupply(tx, [p.sku], now);
  if (!variant) for (const channelId of await upsertPrices(tx, p, now)) repriced.add(channelId);
  return variant ? 'updated' : 'created';
}

/**
 * Replaces the SKU's selling prices with the document's, when it gives any; returns the channels whose price of
 * this SKU changed (what they were last told is kept, so the sync sends only differences).
 */
async function upsertPrices(tx: Db, p: SetupDocument['products'][number], now: number): Promise<string[]> {
  if (!p.prices) return [];
  const current = new Map((await listChannelPricesOfSku(tx, p.sku)).map((r) => [r.channel_id, r]));
  const changed: string[] = [];
  for (const price of p.prices) {
    const row = current.get(price.channel);
    current.delete(price.channel);
    const compareAt = price.compareAtAmount ?? null;
    if (
      row &&
      row.amount === price.amount &&
      row.compare_at_amount === compareAt &&
      row.currency === price.currency
    )
      continue;
    changed.push(price.channel);
    await upsertChannelPrice(
      tx,
      {
        channelId: price.channel,
        sku: p.sku,
        amount: price.amount,
        compareAtAmount: compareAt,
        currency: price.currency,
      },
      now,
    );
  }
  // A channel the document no longer prices this SKU on keeps selling at whatever it has; Waybill stops managing it.
  // A price the rules set stays theirs.
  for (const [channelId, row] of current)
    if (row.source === 'manual') await deleteChannelPrice(tx, channelId, p.sku);
  // A price the document gives is manual from now on, even where the rules had set the same amount.
  await markPricesManual(
    tx,
    p.sku,
    p.prices.map((price) => price.channel),
  );
  return changed;
}

/**
 * The document's offers, with what the feeds of `fed` suppliers say kept: once a supplier's feed has spoken of an
 * offer, its cost, stock, lead days, quantities, ship-from and supplier SKU are the feed's (the document only seeds
 * them), and an offer its feed made (a SKU matched by GTIN or by an operator) stays though the document does not
 * name it. Applying the same document again must not undo the last feed and tell channels stale stock.
 */
function withFeedValues(
  offers: readonly OfferColumns[],
  current: readonly OfferColumns[],
  fed: ReadonlySet<string>,
): OfferColumns[] {
  if (fed.size === 0) return [...offers];
  const stored = new Map(current.filter((o) => fed.has(o.supplier_id)).map((o) => [o.supplier_id, o]));
  const merged = offers.map((o) => {
    const feed = stored.get(o.supplier_id);
    stored.delete(o.supplier_id);
    if (!feed) return o;
    return {
      ...o,
      supplier_sku: feed.supplier_sku,
      cost_amount: feed.cost_amount,
      cost_currency: feed.cost_currency,
      stock: feed.stock,
      lead_days: feed.lead_days,
      min_quantity: feed.min_quantity,
      pack_size: feed.pack_size,
      ship_from: feed.ship_from,
    };
  });
  return [...merged, ...stored.values()];
}

function canonical(rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort());
}
