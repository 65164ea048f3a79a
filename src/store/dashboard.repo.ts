import { sql } from 'kysely';
import type { Db } from './schema.ts';

// What the dashboard counts: each a count over an index, fast at any size.

const DAY_MS = 86_400_000;

/** Orders held for a person (the review queue), dead jobs, and purchase orders flagged past an SLA and still open. */
export async function countAttention(
  db: Db,
): Promise<{ held: number; deadLetters: number; overduePurchaseOrders: number }> {
  const [held, dead, overdue] = await Promise.all([
    db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('state', '=', 'on_hold')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('state', '=', 'dead')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('purchase_orders')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where(
        sql<boolean>`(ack_overdue_at is not null and state in ('pending', 'sent', 'send_failed'))
          or (ship_overdue_at is not null and state in ('accepted', 'partially_accepted', 'partially_shipped'))`,
      )
      .executeTakeFirstOrThrow(),
  ]);
  return { held: Number(held.n), deadLetters: Number(dead.n), overduePurchaseOrders: Number(overdue.n) };
}

/** Orders placed since `since`, by UTC day (epoch days) and channel. */
export async function countOrdersPerDay(
  db: Db,
  since: number,
): Promise<{ day: number; channelId: string; orders: number }[]> {
  const day = sql<number>`placed_at / ${sql.lit(DAY_MS)}`;
  const rows = await db
    .selectFrom('orders')
    .select([day.as('day'), 'channel_id', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('placed_at', '>=', since)
    .groupBy([day, 'channel_id'])
    .orderBy('day')
    .orderBy('channel_id')
    .execute();
  return rows.map((r) => ({ day: Number(r.day), channelId: r.channel_id, orders: Number(r.n) }));
}
