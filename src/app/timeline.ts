import type { Db } from '../store/schema.ts';

export interface TimelineEvent {
  orderId: string | null;
  subjectType: 'order' | 'purchase_order' | 'shipment' | 'job';
  subjectId: string;
  type: string;
  data?: unknown;
}

/** Appends to the event timeline, in the same transaction as the change it describes. */
export async function recordEvents(tx: Db, at: Date, events: readonly TimelineEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx
    .insertInto('events')
    .values(
      events.map((e) => ({
        order_id: e.orderId,
        subject_type: e.subjectType,
        subject_id: e.subjectId,
        type: e.type,
        data: JSON.stringify(e.data ?? {}),
        at: at.getTime(),
      })),
    )
    .execute();
}
