import type { ChannelId, Sku, SupplierId } from '../domain/ids.ts';
import { money, type CurrencyCode } from '../domain/money.ts';
import type { Offer } from '../domain/routing.ts';
import type { Place } from '../domain/routing-engine.ts';
import { parseAllocation, type Allocation, type BackorderPolicy } from '../domain/stock.ts';
import type { Db } from './schema.ts';
import { ROWS_PER_STATEMENT, statement } from './statement.ts';

export interface ChannelRecord {
  id: ChannelId;
  kind: string;
  name: string;
  currency: CurrencyCode;
  /** The kind's own settings (Shopify's shop domain, the storefront's notifyUrl), as its adapter declares them. */
  config: Record<string, unknown>;
  backorderPolicy: BackorderPolicy;
  /** What of available-to-promise the channel is told (a cap or a share); null: all of it. */
  allocation: Allocation | null;
  sealedSecrets: string | null;
}

export interface SupplierRecord {
  id: SupplierId;
  name: string;
  currency: CurrencyCode;
  transportKind: string;
  transportConfig: unknown;
  sealedSecrets: string | null;
  ackWithinMinutes: number;
}

// Its columns named, not `*`, so that PostgreSQL may keep it prepared (statement.ts).
const channelById = statement((db, p: { id: string }) =>
  db
    .selectFrom('channels')
    .select(['id', 'kind', 'name', 'currency', 'config', 'backorder_policy', 'allocation', 'secrets'])
    .where('id', '=', p.id),
);

export async function findChannel(db: Db, id: string): Promise<ChannelRecord | null> {
  const [row] = (await channelById.run(db, { id })).rows;
  if (!row) return null;
  return {
    id: row.id as ChannelId,
    kind: row.kind,
    name: row.name,
    currency: row.currency as CurrencyCode,
    config: row.config ? (JSON.parse(row.config) as Record<string, unknown>) : {},
    backorderPolicy: row.backorder_policy === 'cancel' ? 'cancel' : 'accept',
    allocation: parseAllocation(row.allocation),
    sealedSecrets: row.secrets,
  };
}

const suppliersByIds = statement((db, _: object, rows: readonly { id: string }[]) =>
  db
    .selectFrom('suppliers')
    .selectAll()
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    ),
);

const channelsSigning = statement((db, _: object, rows: readonly { id: string }[]) =>
  db
    .selectFrom('channels')
    .select(['id', 'kind', 'secrets'])
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    ),
);

/** What a webhook's check needs of its channels: their kind and sealed secrets (read for every delivery), by id. */
export async function findChannelsSigning(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, { kind: string; secrets: string | null }>> {
  const found = new Map<string, { kind: string; secrets: string | null }>();
  for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
    const { rows } = await channelsSigning.run(
      db,
      {},
      ids.slice(i, i + ROWS_PER_STATEMENT).map((id) => ({ id })),
    );
    for (const r of rows) found.set(r.id, { kind: r.kind, secrets: r.secrets });
  }
  return found;
}

export async function findSuppliers(db: Db, ids: readonly string[]): Promise<Map<string, SupplierRecord>> {
  if (ids.length === 0) return new Map();
  const { rows } = await suppliersByIds.run(
    db,
    {},
    ids.map((id) => ({ id })),
  );
  return new Map(rows.map((r) => [r.id, supplierOf(r)]));
}

/** The supplier a bearer token belongs to, looked up by the token's hash. */
export async function findSupplierByTokenHash(db: Db, hash: string): Promise<SupplierRecord | null> {
  const row = await db
    .selectFrom('suppliers')
    .selectAll()
    .where('api_token_hash', '=', hash)
    .executeTakeFirst();
  return row ? supplierOf(row) : null;
}

/** A supplier row as the rest of Waybill sees it. */
export function supplierOf(r: {
  id: string;
  name: string;
  currency: string;
  transport_kind: string;
  transport_config: string;
  secrets: string | null;
  ack_within_minutes: number;
}): SupplierRecord {
  return {
    id: r.id as SupplierId,
    name: r.name,
    currency: r.currency as CurrencyCode,
    transportKind: r.transport_kind,
    transportConfig: JSON.parse(r.transport_config),
    sealedSecrets: r.secrets,
    ackWithinMinutes: r.ack_within_minutes,
  };
}

export interface CatalogSlice {
  /** SKUs Waybill knows (with or without offers). */
  known: Set<string>;
  /** What routing rules match a SKU's lines on. */
  labels: Map<Sku, { tags: string[]; category: string | null }>;
  offers: Map<Sku, Offer[]>;
  /** Each offering node's SLAs. */
  slas: Map<SupplierId, SupplierSla>;
}

/** What a node promised: to acknowledge within, and to ship within (after acknowledging), in working minutes. */
export interface SupplierSla {
  ackWithinMinutes: number;
  shipWithinMinutes: number | null;
  /** JSON: the hours its SLAs count in (app/supplier-sla.ts); null: every minute counts. */
  workingHours: string | null;
}

const catalogForSkus = statement((db, _: object, rows: readonly { sku: string }[]) =>
  db
    .selectFrom('variants')
    .leftJoin('offers', 'offers.sku', 'variants.sku')
    .leftJoin('suppliers', 'suppliers.id', 'offers.supplier_id')
    .select([
      'variants.sku as variant_sku',
      'offers.supplier_id',
      'offers.supplier_sku',
      'offers.cost_amount',
      'offers.cost_currency',
      'offers.priority',
      'offers.active',
      'offers.discontinued',
      'offers.stock',
      'offers.lead_days',
      'offers.shipping_estimate',
      'offers.drop_ship_fee',
      'offers.min_quantity',
      'offers.pack_size',
      'offers.ship_from',
      'variants.tags',
      'variants.category',
      'suppliers.ack_within_minutes',
      'suppliers.ship_within_minutes',
      'suppliers.working_calendar',
      'suppliers.paused',
      'suppliers.node_kind',
      'suppliers.score',
      'suppliers.po_boxes',
      'suppliers.ship_from as node_ship_from',
    ])
    .where(
      'variants.sku',
      'in',
      rows.map((r) => r.sku),
    ),
);

/** What routing needs for these SKUs, in one query: which exist, who offers them, and each supplier's SLA. */
export async function findCatalogFor(db: Db, skus: readonly string[]): Promise<CatalogSlice> {
  const slice: CatalogSlice = {
    known: new Set(),
    labels: new Map(),
    offers: new Map(),
    slas: new Map(),
  };
  if (skus.length === 0) return slice;
  const { rows } = await catalogForSkus.run(
    db,
    {},
    skus.map((sku) => ({ sku })),
  );
  const places = new Map<string, Place>();
  const placeOf = (json: string | null) => {
    if (json === null) return undefined;
    const known = places.get(json) ?? (JSON.parse(json) as Place);
    places.set(json, known);
    return known;
  };
  for (const r of rows) {
    slice.known.add(r.variant_sku);
    const sku = r.variant_sku as Sku;
    if (!slice.labels.has(sku))
      slice.labels.set(sku, { tags: r.tags ? (JSON.parse(r.tags) as string[]) : [], category: r.category });
    if (r.supplier_id === null) continue;
    const supplierId = r.supplier_id as SupplierId;
    const list = slice.offers.get(sku) ?? [];
    list.push({
      supplierId,
      sku,
      supplierSku: r.supplier_sku!,
      cost: money(r.cost_amount!, r.cost_currency!),
      priority: r.priority!,
      // A discontinued offer is routed nothing, as it is promised nothing (store/stock.repo.ts refreshSupply).
      active: r.active === 1 && r.discontinued === 0,
      stock: r.stock,
      supplierPaused: r.paused === 1,
      nodeKind: r.node_kind === 'warehouse' ? 'warehouse' : 'supplier',
      nodeScore: r.score!,
      nodePoBoxes: r.po_boxes === 1,
      leadDays: r.lead_days!,
      shippingEstimate: r.shipping_estimate!,
      dropShipFee: r.drop_ship_fee!,
      minQuantity: r.min_quantity!,
      packSize: r.pack_size!,
      shipFrom: placeOf(r.ship_from) ?? placeOf(r.node_ship_from),
    });
    slice.offers.set(sku, list);
    slice.slas.set(supplierId, {
      ackWithinMinutes: r.ack_within_minutes!,
      shipWithinMinutes: r.ship_within_minutes,
      workingHours: r.working_calendar,
    });
  }
  return slice;
}

const settingByKey = statement((db, p: { key: string }) =>
  db.selectFrom('settings').select('value').where('key', '=', p.key),
);

export async function getSetting(db: Db, key: string): Promise<string | null> {
  const [row] = (await settingByKey.run(db, { key })).rows;
  return row?.value ?? null;
}

/** Sets a setting, created or replaced in one statement (safe when two processes set it at once). */
export async function putSetting(tx: Db, key: string, value: string): Promise<void> {
  await tx
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** The suppliers whose transport is one of these kinds, by id. */
export async function listSuppliersOfTransports(db: Db, kinds: readonly string[]): Promise<string[]> {
  if (kinds.length === 0) return [];
  const rows = await db
    .selectFrom('suppliers')
    .select('id')
    .where('transport_kind', 'in', [...kinds])
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
