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
 * - `order_search_terms`: what the search box matches by prefix or case-blind, folded (views-orders.repo.ts): an
 *   order's external id, its customer's email, name and each word of the name, its purchase orders' numbers (with
 *   the purchase order's id, for the supplier's own list). One range of its key answers a search. On PostgreSQL the
 *   term compares byte by byte (collation "C") as on SQLite, so a prefix is a range of the key whatever the database's
 *   collation; on SQLite the table is its key (WITHOUT ROWID): no second copy of each row.
 * - SKUs are matched whole, as written: order lines and PO lines by SKU, PO lines by supplier SKU.
 * - The list is newest placed first (placed time, then id): the list, each of its filters on orders (state, channel)
 *   and a time range have an index in that order, so a page reads its rows and stops. `orders_by_state` (state,
 *   created time) gives way to the same by placed time.
 * - The supplier filter: an order's lines by supplier, and a supplier's purchase orders with their order. The
 *   supplier's list (newest id first): its purchase orders by id, and by state then id in place of by state then
 *   created time.
 *
 * Existing orders and purchase orders get their terms here, a thousand orders at a time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const terms = db.schema
    .createTable('order_search_terms')
    .addColumn('term', sqlite ? 'text' : sql`text collate "C"`, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('purchase_order_id', 'text')
    .addPrimaryKeyConstraint('order_search_terms_pk', ['term', 'kind', 'order_id']);
  await (sqlite ? terms.modifyEnd(sql`without rowid`) : terms).execute();
  await backfill(db as unknown as Db);

  const index = (name: string, table: string, columns: string[]) =>
    db.schema.createIndex(name).on(table).columns(columns).execute();
  // A search that matches many orders tests each order of the page in the list's order: its terms by order.
  await index('order_search_terms_by_order', 'order_search_terms', ['order_id', 'term', 'kind']);
  await index('orders_by_placed', 'orders', ['placed_at', 'id']);
  await index('orders_by_state_placed', 'orders', ['state', 'placed_at', 'id']);
  await db.schema.dropIndex('orders_by_state').execute();
  await index('orders_by_channel_placed', 'orders', ['channel_id', 'placed_at', 'id']);
  await index('order_lines_by_supplier', 'order_lines', ['supplier_id', 'order_id']);
  await index('order_lines_by_sku', 'order_lines', ['sku', 'order_id']);
  await index('purchase_orders_by_supplier_id', 'purchase_orders', ['supplier_id', 'id', 'order_id']);
  await index('purchase_orders_by_supplier_state', 'purchase_orders', ['supplier_id', 'state', 'id']);
  await db.schema.dropIndex('purchase_orders_by_supplier').execute();
  await index('purchase_order_lines_by_sku', 'purchase_order_lines', ['sku', 'purchase_order_id']);
  await index('purchase_order_lines_by_supplier_sku', 'purchase_order_lines', [
    'supplier_sku',
    'purchase_order_id',
  ]);
}

const BACKFILL_ORDERS = 1_000;

/** The terms of the orders and purchase orders stored before this migration (exported for its test). */
export async function backfill(db: Db): Promise<void> {
  for (let after = ''; ;) {
    const orders = await db
      .selectFrom('orders')
      .select(['id', 'external_id', 'customer'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BACKFILL_ORDERS)
      .execute();
    if (orders.length === 0) return;
    const pos = await db
      .selectFrom('purchase_orders')
      .select(['id', 'order_id', 'po_number'])
      .where(
        'order_id',
        'in',
        orders.map((o) => o.id),
      )
      .execute();
    const terms: SearchTerm[] = [
      ...orders.flatMap((o) =>
        orderSearchTerms({
          id: o.id,
          externalId: o.external_id,
          customer: JSON.parse(o.customer) as { email: string; name?: string },
        }),
      ),
      ...pos.flatMap((po) =>
        purchaseOrderSearchTerms({ id: po.id, orderId: po.order_id, poNumber: po.po_number }),
      ),
    ];
    await insertSearchTerms(db, terms);
    after = orders[orders.length - 1]!.id;
  }
}
