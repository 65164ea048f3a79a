import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import { openSalesChannel } from './channel-access.ts';
import type { AppContext } from './context.ts';
import { recordEvents } from '../store/events.repo.ts';

/**
 * Tells the order's channel about a shipment (carrier, tracking, lines). The event id is derived from the shipment,
 * so a retry is the same event to the channel.
 */
export const notifyChannelJob = {
  ...jobKind<{ shipmentId: string }>('channel.notify', (p) => `channel.notify:${p.shipmentId}`),
  bind: (ctx: AppContext) =>
    defineJob<{ shipmentId: string }>({
      kind: notifyChannelJob.kind,
      maxAttempts: 10,
      timeoutMs: 30_000,
      backoff: { baseMs: 500, capMs: 10 * 60_000 },
      run: async ({ shipmentId }, job) => {
        const db = ctx.store.db;
        const shipment = await db
          .selectFrom('shipments')
          .selectAll()
          .where('id', '=', shipmentId)
          .executeTakeFirst();
        if (!shipment) throw new PermanentError(`shipment ${shipmentId} does not exist`);
        const order = await db
          .selectFrom('orders')
          .select(['id', 'channel_id', 'external_id', 'state'])
          .where('id', '=', shipment.order_id)
          .executeTakeFirstOrThrow();
        const lines = await db
          .selectFrom('shipment_lines')
          .select(['sku', 'quantity'])
          .where('shipment_id', '=', shipmentId)
          .orderBy('po_line_number')
          .execute();
        const opened = await openSalesChannel(ctx, order.channel_id);
        if (!opened) throw new PermanentError(`channel ${order.channel_id} cannot be notified`);
        const { channel, sales } = opened;
        // The state the order reached with this shipment: fulfilled when nothing is left to ship.
        const orderState =
          order.state === 'fulfilled' || order.state === 'completed' ? 'fulfilled' : 'partially_fulfilled';
        await sales.notifyFulfilment(
          {
            eventId: `evt_${shipmentId}`,
            orderId: order.id,
            externalId: order.external_id,
            orderState,
            createdAt: new Date(shipment.created_at),
            shipment: {
              id: shipment.id,
              carrier: shipment.carrier,
              trackingNumber: shipment.tracking_number,
              lines,
            },
          },
          { signal: job.signal, now: ctx.clock.now() },
        );
        return {
          commit: (tx) =>
            recordEvents(tx, ctx.clock.now(), [
              {
                orderId: order.id,
                subjectType: 'shipment',
                subjectId: shipmentId,
                type: 'channel.notified',
                data: { channelId: channel.id, orderState },
              },
            ]),
        };
      },
    }),
};
