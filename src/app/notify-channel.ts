import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import { openSalesChannel } from './channel-access.ts';
import type { AppContext } from './context.ts';
import { recordEvents } from '../store/events.repo.ts';
import { loadShipmentNotice } from '../store/shipments.repo.ts';

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
        const parts = await loadShipmentNotice(ctx.store.db, shipmentId);
        if (!parts) throw new PermanentError(`shipment ${shipmentId} does not exist`);
        const { shipment, order, lines } = parts;
        const opened = await openSalesChannel(ctx, order.channelId);
        if (!opened) throw new PermanentError(`channel ${order.channelId} cannot be notified`);
        const { channel, sales } = opened;
        // The state the order reached with this shipment: fulfilled when nothing is left to ship.
        const orderState =
          order.state === 'fulfilled' || order.state === 'completed' ? 'fulfilled' : 'partially_fulfilled';
        await sales.notifyFulfilment(
          {
            eventId: `evt_${shipmentId}`,
            orderId: order.id,
            externalId: order.externalId,
            orderState,
            createdAt: new Date(shipment.createdAt),
            shipment: {
              id: shipment.id,
              carrier: shipment.carrier,
              trackingNumber: shipment.trackingNumber,
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
