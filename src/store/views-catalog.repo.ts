import { sql, type Selectable } from 'kysely';
import type { Database, Db } from './schema.ts';

/** What the channel list shows of a channel: never its secrets. */
export type ChannelForApi = Pick<
  Selectable<Database['channels']>,
  | 'id'
  | 'kind'
  | 'name'
  | 'currency'
  | 'config'
  | 'backorder_policy'
  | 'allocation'
  | 'polled_until'
  | 'webhook_health'
>;

/** Every channel, by id, with the columns the channel list maps (the secrets left in the table). */
export async function listChannelsForApi(db: Db): Promise<ChannelForApi[]> {
  return db
    .selectFrom('channels')
    .select([
      'id',
      'kind',
      'name',
      'currency',
      'config',
      'backorder_policy',
      'allocation',
      'polled_until',
      'webhook_health',
    ])
    .orderBy('id')
    .execute();
}

/** A supplier as the supplier list shows it: its transport's kind and settings, never its secrets or token. */
export interface SupplierForApi {
  id: string;
  name: string;
  currency: string;
  transport: { kind: string; [setting: string]: unknown };
  ackWithinMinutes: number;
  /** Orders stop going to it; its open purchase orders go on. */
  paused: boolean;
}

/** Every supplier, by id, with its transport's stored (non-secret) settings. */
export async function listSuppliersForApi(db: Db): Promise<SupplierForApi[]> {
  const rows = await db
    .selectFrom('suppliers')
    .select(['id', 'name', 'currency', 'transport_kind', 'transport_config', 'ack_within_minutes', 'paused'])
    .orderBy('id')
    .execute();
  return rows.map((s) => ({
    id: s.id,
    name: s.name,
    currency: s.currency,
    transport: { kind: s.transport_kind, ...(JSON.parse(s.transport_config) as object) },
    ackWithinMinutes: s.ack_within_minutes,
    paused: s.paused === 1,
  }));
}

/** When each channel was last told a stock level (its last stock sync that changed something). */
export async function lastStockSyncs(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('channel_stock')
    .select(['channel_id', (eb) => eb.fn.max('told_at').as('at')])
    .groupBy('channel_id')
    .execute();
  return new Map(rows.map((r) => [r.channel_id, Number(r.at)]));
}

/**
 * Per supplier: its purchase orders still open (not yet answered, or accepted and not all shipped), and those made
 * since `since` that missed an SLA (flagged past their acknowledgement or shipping deadline).
 */
export async function countSupplierPurchaseOrders(
  db: Db,
  since: number,
): Promise<Map<string, { open: number; slaMisses: number }>> {
  const rows = await db
    .selectFrom('purchase_orders')
    .select([
      'supplier_id',
      sql<string | number>`sum(case when state in ('pending', 'sent', 'send_failed', 'accepted',
        'partially_accepted', 'partially_shipped') then 1 else 0 end)`.as('open'),
      sql<string | number>`sum(case when created_at >= ${since}
        and (ack_overdue_at is not null or ship_overdue_at is not null) then 1 else 0 end)`.as('misses'),
    ])
    .groupBy('supplier_id')
    .execute();
  return new Map(rows.map((r) => [r.supplier_id, { open: Number(r.open), slaMisses: Number(r.misses) }]));
}

/** A variant (by SKU) and every supplier's offer of it, the preferred (lowest priority) first. */
export interface ProductWithOffers {
  sku: string;
  name: string;
  gtin: string | null;
  offers: {
    supplierId: string;
    supplierSku: string;
    cost: { amount: number; currency: string };
    priority: number;
    active: boolean;
    stock: number | null;
  }[];
}

/** A page of variants by SKU, `limit` of them from after the SKU `after`, each with its offers. */
export async function listProductsWithOffers(
  db: Db,
  page: { limit: number; after?: string | undefined },
): Promise<ProductWithOffers[]> {
  let query = db.selectFrom('variants').select(['sku', 'name', 'gtin']).orderBy('sku').limit(page.limit);
  if (page.after) query = query.where('sku', '>', page.after);
  const variants = await query.execute();
  const offers = variants.length
    ? await db
        .selectFrom('offers')
        .selectAll()
        .where(
          'sku',
          'in',
          variants.map((v) => v.sku),
        )
        .orderBy('priority')
        .execute()
    : [];
  return variants.map((v) => ({
    ...v,
    offers: offers
      .filter((o) => o.sku === v.sku)
      .map((o) => ({
        supplierId: o.supplier_id,
        supplierSku: o.supplier_sku,
        cost: { amount: o.cost_amount, currency: o.cost_currency },
        priority: o.priority,
        active: o.active === 1,
        stock: o.stock,
      })),
  }));
}
