import { sql } from 'kysely';
import type { Db } from './schema.ts';

// The review queue's reasons and the velocity checks' fingerprints.

export interface HoldRow {
  orderId: string;
  check: string;
  message: string;
}

/** Records why orders are held, one row per reason. */
export async function recordHolds(tx: Db, holds: readonly HoldRow[], now: number): Promise<void> {
  if (holds.length === 0) return;
  await tx
    .insertInto('order_holds')
    .values(
      holds.map((h) => ({
        order_id: h.orderId,
        check: h.check,
        message: h.message,
        created_at: now,
        resolved_at: null,
      })),
    )
    .execute();
}

/** Marks an order's open reasons dealt with: all of them, or those whose check starts with `prefix`. */
export async function resolveHolds(tx: Db, orderId: string, now: number, prefix?: string): Promise<void> {
  let query = tx
    .updateTable('order_holds')
    .set({ resolved_at: now })
    .where('order_id', '=', orderId)
    .where('resolved_at', 'is', null);
  if (prefix) query = query.where(checkIs('check', prefix));
  await query.execute();
}

/** A check named whole (`fraud.order_value`) or by the parts it starts with (`fraud`), the same on both databases. */
function checkIs(column: string, name: string) {
  const whole = name.replace(/\.+$/, '');
  return sql<boolean>`(${sql.ref(column)} = ${whole} or substr(${sql.ref(column)}, 1, ${whole.length + 1}) = ${`${whole}.`})`;
}

export interface ReviewFilter {
  /** A check, or the start of one (`fraud`, `address.po_box`). */
  reason?: string | undefined;
  channelId?: string | undefined;
  /** Held at least this long. */
  heldBefore?: number | undefined;
  limit: number;
  /** The last order of the previous page: (held since, id). */
  after?: { heldSince: number; orderId: string } | undefined;
}

export interface ReviewRow {
  orderId: string;
  channelId: string;
  externalId: string;
  state: string;
  holdReason: string | null;
  heldSince: number;
  checks: { check: string; message: string; since: number }[];
}

/**
 * Orders on hold, longest held first, with their open reasons. An order held by a path that records no reason row
 * (an older hold) shows its hold reason as the check `other`.
 */
export async function listReview(db: Db, filter: ReviewFilter): Promise<ReviewRow[]> {
  const heldSince = sql<number>`coalesce((select min(h.created_at) from order_holds h where h.order_id = orders.id and h.resolved_at is null), orders.updated_at)`;
  let query = db
    .selectFrom('orders')
    .select(['orders.id', 'orders.channel_id', 'orders.external_id', 'orders.state', 'orders.hold_reason'])
    .select(heldSince.as('held_since'))
    .where('orders.state', '=', 'on_hold');
  if (filter.channelId) query = query.where('orders.channel_id', '=', filter.channelId);
  const reason = filter.reason;
  if (reason)
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('order_holds as r')
          .select('r.order_id')
          .whereRef('r.order_id', '=', 'orders.id')
          .where('r.resolved_at', 'is', null)
          .where(checkIs('r.check', reason)),
      ),
    );
  if (filter.heldBefore !== undefined) query = query.where(heldSince, '<=', filter.heldBefore);
  if (filter.after)
    query = query.where((eb) =>
      eb.or([
        eb(heldSince, '>', filter.after!.heldSince),
        eb.and([eb(heldSince, '=', filter.after!.heldSince), eb('orders.id', '>', filter.after!.orderId)]),
      ]),
    );
  const rows = await query.orderBy('held_since').orderBy('orders.id').limit(filter.limit).execute();
  if (rows.length === 0) return [];
  const reasons = await db
    .selectFrom('order_holds')
    .select(['order_id', 'check', 'message', 'created_at'])
    .where(
      'order_id',
      'in',
      rows.map((r) => r.id),
    )
    .where('resolved_at', 'is', null)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => {
    const mine = reasons.filter((h) => h.order_id === r.id);
    return {
      orderId: r.id,
      channelId: r.channel_id,
      externalId: r.external_id,
      state: r.state,
      holdReason: r.hold_reason,
      heldSince: Number(r.held_since),
      checks: mine.length
        ? mine.map((h) => ({ check: h.check, message: h.message, since: h.created_at }))
        : [{ check: 'other', message: r.hold_reason ?? 'held', since: Number(r.held_since) }],
    };
  });
}

/** Records the keys the velocity checks count (email, address, phone) of orders taken in. */
export async function recordFingerprints(
  tx: Db,
  prints: readonly { kind: string; key: string; orderId: string }[],
  now: number,
): Promise<void> {
  if (prints.length === 0) return;
  await tx
    .insertInto('order_fingerprints')
    .values(prints.map((p) => ({ kind: p.kind, key: p.key, order_id: p.orderId, at: now })))
    .execute();
}

/** How many orders carried this key since `since` (0: ever). */
export async function countFingerprints(db: Db, kind: string, key: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('order_fingerprints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', kind)
    .where('key', '=', key)
    .where('at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
