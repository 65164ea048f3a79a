import type { FulfilmentNotice } from '../sales-channel.ts';

/** A fulfilment → the `fulfillment.created` event of docs/wire-formats.md ("Events to the channel"). */
export function toFulfillmentCreated(notice: FulfilmentNotice) {
  return {
    id: notice.eventId,
    type: 'fulfillment.created',
    createdAt: notice.createdAt.toISOString(),
    data: {
      orderId: notice.orderId,
      externalId: notice.externalId,
      orderState: notice.orderState,
      shipment: notice.shipment,
    },
  };
}
