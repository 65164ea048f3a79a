import { SqliteAdapter, sql, type Kysely } from 'kysely';
import type { Db } from '../schema.ts';
import {
  insertSearchTerms,
  orderSearchTerms,
  purchaseOrderSearchTerms,
  type SearchTerm,
} from '../views-orders.repo.ts';

/**
 * The order list's filters and search, and the supplier's purchase order list, at 100,000 orders and more.
 *
 * - `order_search_terms`: what the search box matches, folded (case and accents ignored), one row a term: an order's
 *   external id, its customer's email, name and each word of the name, its lines' SKUs, and its purchase orders'
 *   numbers and SKUs (those with the purchase order's id, for the supplier's own list). One range of one index
 *   answers a search, whatever kind of term it meets. On PostgreSQL the term is compared byte by byte (collation
 *   "C"), as on SQLite: a prefix is then a range of the index whatever the database's collation.
 * - The list is newest placed first (placed time, then id): each filter has an index in that order, so a page reads
 *   its rows and stops. `orders_by_state` (state, created time) gives way to the same by placed time.
 * - An order's lines by supplier and a supplier's purchase orders by id: the supplier filter, and the supplier's list.
 *
 * Existing orders and purchase orders get their terms here, a thousand orders at a time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('order_search_terms')
    .addColumn('term', sqlite ? 'text' : sql`text collate "C"`, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('purchase_order_id', 'text')
    .execute();
  await backfill(db as unknown as Db);
  await db.schema
    .createIndex('order_search_terms_by_term')
    .on('order_search_terms')
    .columns(['term', 'kind', 'order_id'])
    .execute();

  await db.schema.createIndex('orders_by_placed').on('orders').columns(['placed_at', 'id']).execute();
  await db.schema
    .createIndex('orders_by_state_placed')
    .on('orders')
    .columns(['state', 'placed_at', 'id'])
    .execute();
  await db.schema.dropIndex('orders_by_state').execute();
  await db.schema
    .createIndex('orders_by_channel_placed')
    .on('orders')
    .columns(['channel_id', 'placed_at', 'id'])
    .execute();
  await db.schema
    .createIndex('order_lines_by_supplier')
    .on('order_lines')
    .columns(['supplier_id', 'order_id'])
    .execute();
  await db.schema
    .createIndex('purchase_orders_by_supplier_id')
    .on('purchase_orders')
    .columns(['supplier_id', 'id', 'order_id'])
    .execute();
}

const BACKFILL_ORDERS = 1_000;

async function backfill(db: Db): Promise<void> {
  for (let after = ''; ;) {
    const orders = await db
      .selectFrom('orders')
      .select(['id', 'external_id', 'customer'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BACKFILL_ORDERS)
      .execute();
    if (orders.length === 0) return;
    const ids = orders.map((o) => o.id);
    const [lines, pos, poLines] = await Promise.all([
      db.selectFrom('order_lines').select(['order_id', 'sku']).where('order_id', 'in', ids).execute(),
      db
        .selectFrom('purchase_orders')
        .select(['id', 'order_id', 'po_number'])
        .where('order_id', 'in', ids)
        .execute(),
      db
        .selectFrom('purchase_order_lines as l')
        .innerJoin('purchase_orders as p', 'p.id', 'l.purchase_order_id')
        .select(['l.purchase_order_id', 'l.sku', 'l.supplier_sku'])
        .where('p.order_id', 'in', ids)
        .execute(),
    ]);
    const terms: SearchTerm[] = orders.flatMap((o) =>
      orderSearchTerms({
        id: o.id,
        externalId: o.external_id,
        customer: JSON.parse(o.customer) as { email: string; name?: string },
        lines: lines.filter((l) => l.order_id === o.id),
      }),
    );
    for (const po of pos)
      terms.push(
        ...purchaseOrderSearchTerms({
          id: po.id,
          orderId: po.order_id,
          poNumber: po.po_number,
          lines: poLines
            .filter((l) => l.purchase_order_id === po.id)
            .map((l) => ({ sku: l.sku, supplierSku: l.supplier_sku })),
        }),
      );
    await insertSearchTerms(db, terms);
    after = orders[orders.length - 1]!.id;
  }
}
