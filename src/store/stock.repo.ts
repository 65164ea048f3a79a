import { sql } from 'kysely';
import { availableToPromise, supplyOf, type OfferSupply } from '../domain/stock.ts';
import type { Db } from './schema.ts';
import { keyChunks, oneOf, ROWS_PER_STATEMENT, statement } from './statement.ts';

/**
 * Recomputes what the SKUs' suppliers offer (reported stock less safety buffers) into `stock_levels`, keeping what
 * is reserved. Called whenever offers or buffers change, in the same transaction (whose use case then wakes the
 * channels' stock syncs: app/sync-channel-stock.ts wakeStockSyncs). A level that comes out as it was is not
 * written: its change time stays, and the syncs do not read it again. Any number of SKUs (a feed changes 50,000):
 * read in key chunks (store/statement.ts keyChunks), written as one JSON document a chunk.
 */
export async function refreshSupply(
  tx: Db,
  skus: readonly string[],
  now: number,
  fresh?: FreshOffers,
): Promise<void> {
  const unique = [...new Set(skus)].sort();
  const freshSupplier = fresh
    ? await tx
        .selectFrom('suppliers')
        .select(['safety_buffer', 'paused'])
        .where('id', '=', fresh.supplierId)
        .executeTakeFirstOrThrow()
    : undefined;
  for (const part of keyChunks(tx, unique)) {
    let query = tx
      .selectFrom('offers')
      .innerJoin('suppliers', 'suppliers.id', 'offers.supplier_id')
      .select([
        'offers.sku',
        'offers.active',
        'offers.discontinued',
        'offers.stock',
        'suppliers.safety_buffer',
        'suppliers.paused',
      ])
      .where(oneOf(tx, 'offers.sku', part));
    // The index on (sku, supplier_id) answers this without reading the fresh supplier's rows.
    if (fresh) query = query.where('offers.supplier_id', '<>', fresh.supplierId);
    const offers = await query.execute();
    if (fresh && freshSupplier)
      for (const sku of part) {
        const offer = fresh.offers.get(sku);
        if (offer)
          offers.push({
            sku,
            active: offer.active,
            discontinued: offer.discontinued,
            stock: offer.stock,
            ...freshSupplier,
          });
      }
    const bySku = new Map<string, OfferSupply[]>(part.map((sku) => [sku, []]));
    for (const o of offers)
      bySku.get(o.sku)!.push({
        // A paused supplier's stock counts as none: channels stop selling what only it would ship. A discontinued
        // offer likewise: the supplier will not make more, and Waybill does not promise what it may not have.
        active: o.active === 1 && o.paused === 0 && o.discontinued === 0,
        stock: o.stock,
        safetyBuffer: o.safety_buffer,
      });
    const levels = Object.fromEntries(
      [...bySku].map(([sku, list]) => {
        const supply = supplyOf(list);
        return [sku, [supply.bounded ? 1 : 0, supply.units]];
      }),
    );
    // `where true`: SQLite's parser needs it to tell ON CONFLICT from a join constraint after a SELECT.
    await sql`insert into stock_levels (sku, bounded, on_hand, reserved, updated_at)
      select t.key, cast(t.value ->> 0 as bigint), cast(t.value ->> 1 as bigint), 0, ${now}
      from json_each(${JSON.stringify(levels)}) as t where true
      on conflict (sku) do update set bounded = excluded.bounded, on_hand = excluded.on_hand,
        updated_at = excluded.updated_at
      where stock_levels.bounded <> excluded.bounded or stock_levels.on_hand <> excluded.on_hand`.execute(tx);
  }
}

/**
 * One supplier's offers of the SKUs as the caller just wrote them (a feed's, in the same transaction): used as they
 * are, and only other suppliers' offers are read.
 */
export interface FreshOffers {
  supplierId: string;
  offers: ReadonlyMap<string, { active: number; discontinued: number; stock: number | null }>;
}

/** A bounded SKU's level changed since a time, with what one channel was last told of it (null: never told). */
export interface ChangedLevel {
  sku: string;
  on_hand: number;
  reserved: number;
  told: number | null;
}

/** SKUs per page of changedLevels: large enough to fill many batches, small enough not to hold the process up. */
export const CHANGED_LEVELS_PAGE = 5_000;

/**
 * The bounded SKUs changed since `since` whose level may differ from what the channel was told, in pages in the
 * order of the change, (updated_at, sku): each page is one range of the index stock_levels_by_change_sku, read in
 * its order, so a page costs its own rows even when the planner expects no change at all (PostgreSQL's statistics
 * predate the feed that changed every SKU). A large change starts going out after its first page, and several
 * channels' syncs take turns; a SKU changed again while the change is read comes again on a later page, newer.
 * What the channel was told comes through a join, not an IN list (a change may touch every SKU, far more than one
 * statement can bind). When the channel is told what can be promised as it is (`toldIsAvailable`: no allocation),
 * the rows told exactly `on_hand - reserved` stay in the database (the re-read of a large change whose values went
 * out already costs a scan, not 100,000 rows in memory); a channel told a cap or a share of it gets every changed
 * row. The caller decides with the domain's availableToPromise; unbounded SKUs are not managed on channels.
 *
 * A count on the change index comes first: most runs find nothing, or a few SKUs, which one query reads.
 */
export async function* changedLevels(
  db: Db,
  channelId: string,
  since: number,
  options: { toldIsAvailable: boolean },
): AsyncGenerator<ChangedLevel[]> {
  const counted = await db
    .selectFrom('stock_levels')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('updated_at', '>=', since)
    .executeTakeFirst();
  const changed = Number(counted?.n ?? 0);
  if (changed === 0) return;
  let query = db
    .selectFrom('stock_levels as s')
    .leftJoin('channel_stock as c', (join) =>
      join.onRef('c.sku', '=', 's.sku').on('c.channel_id', '=', channelId),
    )
    // `bounded` is 1 by the filter; `updated_at` is the next page's cursor.
    .select(['s.sku', 's.on_hand', 's.reserved', 'c.told', 's.updated_at'])
    .where('s.bounded', '=', 1);
  if (options.toldIsAvailable)
    query = query.where((eb) =>
      eb.or([eb('c.told', 'is', null), eb('c.told', '<>', sql<number>`s.on_hand - s.reserved`)]),
    );
  if (changed <= CHANGED_LEVELS_PAGE) {
    yield await query.where('s.updated_at', '>=', since).execute();
    return;
  }
  for (let after = { at: since, sku: '' }; ;) {
    const from = after;
    const page = await query
      // A row value: one range of the index on both databases (an OR of its two parts is not).
      .where(sql<boolean>`(s.updated_at, s.sku) > (${from.at}, ${from.sku})`)
      .orderBy('s.updated_at')
      .orderBy('s.sku')
      .limit(CHANGED_LEVELS_PAGE)
      .execute();
    if (page.length > 0) yield page;
    if (page.length < CHANGED_LEVELS_PAGE) return;
    const last = page[page.length - 1]!;
    after = { at: last.updated_at, sku: last.sku };
  }
}

/**
 * Records what a channel was told, one row per SKU, in one statement however many: the values go as one JSON object
 * of SKU to level (json_each on both SQLite and PostgreSQL), not as four bound parameters per row, which neither
 * database binds 100,000 of and which costs the query builder more than the database's insert. The JSON is written
 * as text directly (a tenth of the cost of building an object to stringify). The caller moves the channel's told
 * version on in the same transaction (channels.repo.ts bumpStockToldVersion).
 */
export async function recordStockTold(
  tx: Db,
  channelId: string,
  levels: readonly { sku: string; available: number }[],
  now: number,
): Promise<void> {
  if (levels.length === 0) return;
  const parts: string[] = [];
  for (const l of levels) parts.push(`${JSON.stringify(l.sku)}:${Math.trunc(l.available)}`);
  const told = `{${parts.join(',')}}`;
  // `where true`: SQLite's parser needs it to tell ON CONFLICT from a join constraint after a SELECT.
  await sql`insert into channel_stock (channel_id, sku, told, told_at)
    select ${channelId}, t.key, cast(cast(t.value as text) as bigint), ${now} from json_each(${told}) as t where true
    on conflict (channel_id, sku) do update set told = excluded.told, told_at = excluded.told_at`.execute(tx);
}

/** A SKU's level as the stock syncs read it, bounded or not (a SKU may stop being bounded). */
export interface LevelRow {
  sku: string;
  bounded: number;
  on_hand: number;
  reserved: number;
  updated_at: number;
}

/** Rows per page of the reads below: one statement each, few of them for a catalogue of 100,000. */
const READ_PAGE = 20_000;

/**
 * Every SKU's level changed since `since` (updated_at), in pages in the order of the change: one range of the index
 * stock_levels_by_change_sku each. The stock syncs' shared read (app/stock-sync-memory.ts).
 */
export async function* levelsChangedSince(db: Db, since: number): AsyncGenerator<LevelRow[]> {
  for (let after = { at: since, sku: null as string | null }; ;) {
    const from = after;
    let query = db
      .selectFrom('stock_levels')
      .select(['sku', 'bounded', 'on_hand', 'reserved', 'updated_at'])
      .orderBy('updated_at')
      .orderBy('sku')
      .limit(READ_PAGE);
    query =
      from.sku === null
        ? query.where('updated_at', '>=', from.at)
        : // A row value: one range of the index on both databases (an OR of its two parts is not).
          query.where(sql<boolean>`(updated_at, sku) > (${from.at}, ${from.sku})`);
    const page = await query.execute();
    if (page.length > 0) yield page;
    if (page.length < READ_PAGE) return;
    const last = page[page.length - 1]!;
    after = { at: last.updated_at, sku: last.sku };
  }
}

/** The levels stamped at one change time, summed: what a copy read earlier compares with to find late commits. */
export interface StampGroup {
  updatedAt: number;
  rows: number;
  bounded: number;
  onHand: number;
  reserved: number;
}

/**
 * Per change time in [from, to): how many levels carry it and their sums. One pass over a range of the change index
 * in the database, a row per distinct time: far cheaper than the levels themselves when a change of 100,000 SKUs
 * sits in the range under one time.
 */
export async function stampGroupsBetween(db: Db, from: number, to: number): Promise<StampGroup[]> {
  const rows = await db
    .selectFrom('stock_levels')
    .select((eb) => [
      'updated_at',
      eb.fn.countAll().as('rows'),
      eb.fn.sum('bounded').as('bounded'),
      eb.fn.sum('on_hand').as('on_hand'),
      eb.fn.sum('reserved').as('reserved'),
    ])
    .where('updated_at', '>=', from)
    .where('updated_at', '<', to)
    .groupBy('updated_at')
    .execute();
  // PostgreSQL answers counts and sums of bigints as strings.
  return rows.map((r) => ({
    updatedAt: Number(r.updated_at),
    rows: Number(r.rows),
    bounded: Number(r.bounded),
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
  }));
}

/** The levels stamped at any of these change times, bounded or not. */
export async function levelsStampedAt(db: Db, stamps: readonly number[]): Promise<LevelRow[]> {
  const rows: LevelRow[] = [];
  for (let i = 0; i < stamps.length; i += ROWS_PER_STATEMENT) {
    const found = await db
      .selectFrom('stock_levels')
      .select(['sku', 'bounded', 'on_hand', 'reserved', 'updated_at'])
      .where('updated_at', 'in', stamps.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
    for (const row of found) rows.push(row);
  }
  return rows;
}

/** What the channel was last told of each SKU, in pages in SKU order. */
export async function* toldLevels(
  db: Db,
  channelId: string,
): AsyncGenerator<{ sku: string; told: number }[]> {
  for (let after: string | null = null; ;) {
    let query = db
      .selectFrom('channel_stock')
      .select(['sku', 'told'])
      .where('channel_id', '=', channelId)
      .orderBy('sku')
      .limit(READ_PAGE);
    if (after !== null) query = query.where('sku', '>', after);
    const page = await query.execute();
    if (page.length > 0) yield page;
    if (page.length < READ_PAGE) return;
    after = page[page.length - 1]!.sku;
  }
}

/** A stock push the channel processes later, as kept until its report is read. */
export interface PendingStockReport {
  reportId: string;
  skus: string[];
}

/** Keeps the channel's pending pushes (a report id submitted twice is kept once). */
export async function recordPendingStockReports(
  tx: Db,
  channelId: string,
  reports: readonly PendingStockReport[],
  now: number,
): Promise<void> {
  if (reports.length === 0) return;
  await tx
    .insertInto('channel_stock_reports')
    .values(
      reports.map((r) => ({
        channel_id: channelId,
        report_id: r.reportId,
        skus: JSON.stringify(r.skus),
        submitted_at: now,
        checked_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['channel_id', 'report_id']).doNothing())
    .execute();
}

/** The channel's pending pushes last asked about before `checkedBefore`, oldest first. */
export async function duePendingStockReports(
  db: Db,
  channelId: string,
  checkedBefore: number,
  limit: number,
): Promise<PendingStockReport[]> {
  const rows = await db
    .selectFrom('channel_stock_reports')
    .select(['report_id', 'skus'])
    .where('channel_id', '=', channelId)
    .where('checked_at', '<', checkedBefore)
    .orderBy('submitted_at')
    .orderBy('report_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ reportId: r.report_id, skus: JSON.parse(r.skus) as string[] }));
}

/**
 * Puts away the reports that are done and notes when the others were asked about. The SKUs a done report rejected
 * are forgotten as told, so a later pass (the reconciling one at the latest) sends them again.
 */
export async function settleStockReports(
  tx: Db,
  channelId: string,
  outcome: { done: readonly string[]; pending: readonly string[]; rejectedSkus: readonly string[] },
  now: number,
): Promise<void> {
  if (outcome.done.length)
    await tx
      .deleteFrom('channel_stock_reports')
      .where('channel_id', '=', channelId)
      .where('report_id', 'in', outcome.done)
      .execute();
  if (outcome.pending.length)
    await tx
      .updateTable('channel_stock_reports')
      .set({ checked_at: now })
      .where('channel_id', '=', channelId)
      .where('report_id', 'in', outcome.pending)
      .execute();
  for (let i = 0; i < outcome.rejectedSkus.length; i += ROWS_PER_STATEMENT)
    await tx
      .deleteFrom('channel_stock')
      .where('channel_id', '=', channelId)
      .where('sku', 'in', outcome.rejectedSkus.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
}

/** A SKU's level as reservations read it. */
export interface ReservableLevel {
  bounded: boolean;
  onHand: number;
  reserved: number;
}

/**
 * The levels of these SKUs, for a batch of orders to reserve from in memory; `lock` (PostgreSQL) holds their rows
 * until the transaction ends, taken in SKU order so that two batches cannot deadlock on them. A SKU without a level
 * is absent (nothing can be reserved of it).
 */
export async function lockReservableLevels(
  tx: Db,
  skus: readonly string[],
  lock: boolean,
): Promise<Map<string, ReservableLevel>> {
  const levels = new Map<string, ReservableLevel>();
  const sorted = [...new Set(skus)].sort();
  for (let start = 0; start < sorted.length; start += ROWS_PER_STATEMENT) {
    const rows = sorted.slice(start, start + ROWS_PER_STATEMENT).map((sku) => ({ sku }));
    const { rows: found } = await (lock ? stockLevelsLocked : stockLevelsRead).run(tx, {}, rows);
    for (const r of found)
      levels.set(r.sku, { bounded: r.bounded === 1, onHand: r.on_hand, reserved: r.reserved });
  }
  return levels;
}

function levelsOf(db: Db, rows: readonly { sku: string }[]) {
  return db
    .selectFrom('stock_levels')
    .select(['sku', 'bounded', 'on_hand', 'reserved'])
    .where(
      'sku',
      'in',
      rows.map((r) => r.sku),
    )
    .orderBy('sku');
}

const stockLevelsRead = statement((db, _: object, rows: readonly { sku: string }[]) => levelsOf(db, rows));
const stockLevelsLocked = statement((db, _: object, rows: readonly { sku: string }[]) =>
  levelsOf(db, rows).forUpdate(),
);

/**
 * Adds what a batch reserved to each SKU's level, one statement for all of them: an upsert whose conflict branch
 * is the update (the rows exist: the batch read them under lock, or under SQLite's single writer).
 */
export async function addReserved(
  tx: Db,
  changes: readonly { sku: string; level: ReservableLevel; units: number }[],
  now: number,
): Promise<void> {
  for (let start = 0; start < changes.length; start += ROWS_PER_STATEMENT) {
    const rows = changes.slice(start, start + ROWS_PER_STATEMENT).map((c) => ({
      sku: c.sku,
      bounded: c.level.bounded ? 1 : 0,
      on_hand: c.level.onHand,
      reserved: c.units,
    }));
    await reservedAdded.run(tx, { now }, rows);
  }
}

const reservedAdded = statement(
  (
    db,
    p: { now: number },
    rows: readonly { sku: string; bounded: number; on_hand: number; reserved: number }[],
  ) =>
    db
      .insertInto('stock_levels')
      .values(
        rows.map((r) => ({
          sku: r.sku,
          bounded: r.bounded,
          on_hand: r.on_hand,
          reserved: r.reserved,
          updated_at: p.now,
        })),
      )
      .onConflict((oc) =>
        oc.column('sku').doUpdateSet({
          reserved: sql`stock_levels.reserved + excluded.reserved`,
          updated_at: sql`excluded.updated_at`,
        }),
      ),
);

export interface NewReservation {
  orderId: string;
  lineNumber: number;
  sku: string;
  channelId: string;
  quantity: number;
}

export async function recordReservations(
  tx: Db,
  reservations: readonly NewReservation[],
  now: number,
): Promise<void> {
  if (reservations.length === 0) return;
  await reservationsInsert.run(tx, { now }, reservations);
}

const reservationsInsert = statement((db, p: { now: number }, rows: readonly NewReservation[]) =>
  db.insertInto('reservations').values(
    rows.map((r) => ({
      order_id: r.orderId,
      line_number: r.lineNumber,
      sku: r.sku,
      channel_id: r.channelId,
      quantity: r.quantity,
      state: 'open',
      created_at: p.now,
      updated_at: p.now,
    })),
  ),
);

/** Forgets what these lines held once and gave back, so that they can hold stock again (routed anew). */
export async function forgetReleasedReservations(
  tx: Db,
  orderId: string,
  lineNumbers: readonly number[],
): Promise<void> {
  if (lineNumbers.length === 0) return;
  await tx
    .deleteFrom('reservations')
    .where('order_id', '=', orderId)
    .where('line_number', 'in', lineNumbers)
    .where('state', '=', 'released')
    .execute();
}

/** Gives back what order lines still hold (a line rejected or cancelled). */
export async function releaseReservations(
  tx: Db,
  orderId: string,
  lineNumbers: readonly number[],
  now: number,
): Promise<void> {
  if (lineNumbers.length === 0) return;
  const open = await tx
    .selectFrom('reservations')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('line_number', 'in', lineNumbers)
    .where('state', '=', 'open')
    .execute();
  for (const r of open.sort((a, b) => a.sku.localeCompare(b.sku))) {
    await tx
      .updateTable('stock_levels')
      .set({ reserved: sql`reserved - ${r.quantity}`, updated_at: now })
      .where('sku', '=', r.sku)
      .execute();
  }
  await tx
    .updateTable('reservations')
    .set({ state: 'released', quantity: 0, updated_at: now })
    .where('order_id', '=', orderId)
    .where('line_number', 'in', lineNumbers)
    .where('state', '=', 'open')
    .execute();
}

/**
 * Shipped units leave both the reservation and the shipping supplier's count (until its next stock feed says
 * otherwise), so what is available does not change by the shipment itself.
 */
export async function consumeReservation(
  tx: Db,
  shipped: { orderId: string; lineNumber: number; sku: string; supplierId: string; quantity: number },
  now: number,
): Promise<void> {
  const reservation = await tx
    .selectFrom('reservations')
    .selectAll()
    .where('order_id', '=', shipped.orderId)
    .where('line_number', '=', shipped.lineNumber)
    .where('state', '=', 'open')
    .executeTakeFirst();
  if (!reservation) return;
  const units = Math.min(reservation.quantity, shipped.quantity);
  const left = reservation.quantity - units;
  await tx
    .updateTable('reservations')
    .set({ quantity: left, state: left === 0 ? 'consumed' : 'open', updated_at: now })
    .where('order_id', '=', shipped.orderId)
    .where('line_number', '=', shipped.lineNumber)
    .execute();
  await tx
    .updateTable('offers')
    .set({ stock: sql`case when stock > ${units} then stock - ${units} else 0 end`, updated_at: now })
    .where('supplier_id', '=', shipped.supplierId)
    .where('sku', '=', shipped.sku)
    .where('stock', 'is not', null)
    .execute();
  await tx
    .updateTable('stock_levels')
    .set({ reserved: sql`reserved - ${units}`, updated_at: now })
    .where('sku', '=', shipped.sku)
    .execute();
  await refreshSupply(tx, [shipped.sku], now);
}

export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
  /** null: unbounded (a supplier does not report stock). */
  available: number | null;
}

/** A level with what each channel was last told of it (its allocation of available-to-promise, as sent). */
export interface StockLevelWithChannels extends StockLevel {
  channels: { channelId: string; told: number; toldAt: number }[];
}

/**
 * A page of levels by SKU: those after `after`, starting with `prefix` when given (or exactly `skus`), `limit` of
 * them, each with what the channels were told; `next` is the last SKU when there may be more.
 */
export async function stockPage(
  db: Db,
  page: { skus?: readonly string[]; prefix?: string; after?: string; limit: number },
): Promise<{ levels: StockLevelWithChannels[]; next: string | null }> {
  let query = db
    .selectFrom('stock_levels')
    .selectAll()
    .orderBy('sku')
    .limit(page.limit + 1);
  if (page.skus) query = query.where('sku', 'in', page.skus.length ? page.skus : ['']);
  // Compared as it is, whatever the database's collation (a range of the key would follow it on PostgreSQL).
  if (page.prefix) query = query.where(sql<boolean>`substr(sku, 1, ${page.prefix.length}) = ${page.prefix}`);
  if (page.after !== undefined) query = query.where('sku', '>', page.after);
  const rows = await query.execute();
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const told = shown.length
    ? await db
        .selectFrom('channel_stock')
        .select(['channel_id', 'sku', 'told', 'told_at'])
        .where(
          'sku',
          'in',
          shown.map((r) => r.sku),
        )
        .orderBy('channel_id')
        .execute()
    : [];
  const bySku = new Map<string, StockLevelWithChannels['channels']>();
  for (const t of told)
    bySku.set(t.sku, [
      ...(bySku.get(t.sku) ?? []),
      { channelId: t.channel_id, told: Number(t.told), toldAt: Number(t.told_at) },
    ]);
  return {
    levels: shown.map((r) => ({
      sku: r.sku,
      onHand: r.on_hand,
      reserved: r.reserved,
      available: availableToPromise({ bounded: r.bounded === 1, onHand: r.on_hand, reserved: r.reserved }),
      channels: bySku.get(r.sku) ?? [],
    })),
    next: more ? shown[shown.length - 1]!.sku : null,
  };
}

export async function stockLevels(db: Db, skus?: readonly string[]): Promise<StockLevel[]> {
  let query = db.selectFrom('stock_levels').selectAll().orderBy('sku');
  if (skus) query = query.where('sku', 'in', skus.length ? skus : ['']);
  const rows = await query.execute();
  return rows.map((r) => ({
    sku: r.sku,
    onHand: r.on_hand,
    reserved: r.reserved,
    available: availableToPromise({ bounded: r.bounded === 1, onHand: r.on_hand, reserved: r.reserved }),
  }));
}
