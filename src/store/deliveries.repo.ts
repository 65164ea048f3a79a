import type { Selectable } from 'kysely';
import type { Database, Db } from './schema.ts';
import { ROWS_PER_STATEMENT, statement } from './statement.ts';

/** A channel's message as the inbox keeps it: stored as received, processed later by a job. */
export type StoredDelivery = Selectable<Database['channel_deliveries']>;

export interface NewDelivery {
  channelId: string;
  /** The channel's id for this message (Shopify `X-Shopify-Webhook-Id`, a poll's order and version). */
  deliveryId: string;
  topic: string;
  payload: string;
  triggeredAt: number | null;
  receivedAt: number;
}

/** Into the inbox, once: false when the channel and delivery id are there already (a retry, a duplicate). */
export async function insertDelivery(tx: Db, delivery: NewDelivery): Promise<boolean> {
  const inserted = await deliveryInsert.run(tx, delivery);
  return Number(inserted.numAffectedRows ?? 0) > 0;
}

/**
 * A batch into the inbox, each delivery once (the caller passes distinct ids): the keys of those inserted, so the
 * others are retries or duplicates (on PostgreSQL one inserted meanwhile by another process waits for its commit).
 */
export async function insertDeliveries(tx: Db, deliveries: readonly NewDelivery[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let start = 0; start < deliveries.length; start += ROWS_PER_STATEMENT) {
    const { rows } = await deliveriesInsert.run(tx, {}, deliveries.slice(start, start + ROWS_PER_STATEMENT));
    for (const r of rows) inserted.add(deliveryKey(r.channel_id, r.delivery_id));
  }
  return inserted;
}

/** One string for a delivery's channel and id, to look it up in a batch. */
export function deliveryKey(channelId: string, deliveryId: string): string {
  return `${channelId}\u0000${deliveryId}`;
}

/** Marks a batch of one channel's deliveries processed, each with its outcome, in one statement. */
export async function markDeliveriesProcessed(
  tx: Db,
  channelId: string,
  outcomes: readonly { deliveryId: string; outcome: string }[],
  now: number,
): Promise<void> {
  for (let start = 0; start < outcomes.length; start += ROWS_PER_STATEMENT) {
    await deliveriesProcessed.run(tx, { channelId, now }, outcomes.slice(start, start + ROWS_PER_STATEMENT));
  }
}

const deliveriesInsert = statement((db, _: object, rows: readonly NewDelivery[]) =>
  db
    .insertInto('channel_deliveries')
    .values(
      rows.map((p) => ({
        channel_id: p.channelId,
        delivery_id: p.deliveryId,
        topic: p.topic,
        payload: p.payload,
        triggered_at: p.triggeredAt,
        received_at: p.receivedAt,
        processed_at: null,
        outcome: null,
      })),
    )
    .onConflict((oc) => oc.columns(['channel_id', 'delivery_id']).doNothing())
    .returning(['channel_id', 'delivery_id']),
);

const deliveriesProcessed = statement(
  (db, p: { channelId: string; now: number }, rows: readonly { deliveryId: string; outcome: string }[]) =>
    db
      .updateTable('channel_deliveries')
      .set((eb) => ({
        processed_at: p.now,
        outcome: rows
          .slice(1)
          .reduce(
            (c, r) => c.when('delivery_id', '=', r.deliveryId).then(r.outcome),
            eb.case().when('delivery_id', '=', rows[0]!.deliveryId).then(rows[0]!.outcome),
          )
          .end(),
      }))
      .where('channel_id', '=', p.channelId)
      .where(
        'delivery_id',
        'in',
        rows.map((r) => r.deliveryId),
      ),
);

export async function loadDelivery(
  db: Db,
  channelId: string,
  deliveryId: string,
): Promise<StoredDelivery | null> {
  const [row] = (await deliveryByIds.run(db, { channelId, deliveryId })).rows;
  return row ?? null;
}

export async function markDeliveryProcessed(
  tx: Db,
  channelId: string,
  deliveryId: string,
  outcome: string,
  now: number,
): Promise<void> {
  await deliveryProcessed.run(tx, { channelId, deliveryId, outcome, now });
}

const deliveryInsert = statement((db, p: NewDelivery) =>
  db
    .insertInto('channel_deliveries')
    .values({
      channel_id: p.channelId,
      delivery_id: p.deliveryId,
      topic: p.topic,
      payload: p.payload,
      triggered_at: p.triggeredAt,
      received_at: p.receivedAt,
      processed_at: null,
      outcome: null,
    })
    .onConflict((oc) => oc.columns(['channel_id', 'delivery_id']).doNothing()),
);

const deliveryByIds = statement((db, p: { channelId: string; deliveryId: string }) =>
  // Its columns named, not `*`, so that PostgreSQL may keep it prepared (statement.ts).
  db
    .selectFrom('channel_deliveries')
    .select([
      'channel_id',
      'delivery_id',
      'topic',
      'payload',
      'triggered_at',
      'received_at',
      'processed_at',
      'outcome',
    ])
    .where('channel_id', '=', p.channelId)
    .where('delivery_id', '=', p.deliveryId),
);

const deliveryProcessed = statement(
  (db, p: { channelId: string; deliveryId: string; outcome: string; now: number }) =>
    db
      .updateTable('channel_deliveries')
      .set({ processed_at: p.now, outcome: p.outcome })
      .where('channel_id', '=', p.channelId)
      .where('delivery_id', '=', p.deliveryId),
);
