import type { Db } from './schema.ts';
import { ROWS_PER_STATEMENT, statement } from './statement.ts';

export interface TimelineEvent {
  orderId: string | null;
  subjectType: 'order' | 'purchase_order' | 'shipment' | 'job' | 'supplier';
  subjectId: string;
  type: string;
  data?: unknown;
}

/** Appends to the event timeline, in the same transaction as the change it describes: a statement per chunk of them. */
export async function recordEvents(tx: Db, at: Date, events: readonly TimelineEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
    await eventsInsert.run(
      tx,
      { at: at.getTime() },
      events.slice(i, i + ROWS_PER_STATEMENT).map((e) => ({
        orderId: e.orderId,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        type: e.type,
        data: JSON.stringify(e.data ?? {}),
      })),
    );
  }
}

const eventsInsert = statement(
  (
    db,
    p: { at: number },
    rows: readonly {
      orderId: string | null;
      subjectType: string;
      subjectId: string;
      type: string;
      data: string;
    }[],
  ) =>
    db.insertInto('events').values(
      rows.map((e) => ({
        order_id: e.orderId,
        subject_type: e.subjectType,
        subject_id: e.subjectId,
        type: e.type,
        data: e.data,
        at: p.at,
      })),
    ),
);

/** An event of an order's own timeline (its subject is the order). */
export function orderEvent(orderId: string, type: string, data: object): TimelineEvent {
  return { orderId, subjectType: 'order', subjectId: orderId, type, data };
}
