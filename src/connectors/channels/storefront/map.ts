import type { FulfilmentNotice, StockUpdate } from '../sales-channel.ts';

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

/** Stock levels → the `inventory.updated` event (docs/wire-formats.md): one event per batch, its id stable per content. */
export function toInventoryUpdated(id: string, levels: readonly StockUpdate[], now: Date) {
  return {
    id,
    type: 'inventory.updated',
    createdAt: now.toISOString(),
    data: { levels: levels.map((l) => ({ sku: l.sku, available: l.available })) },
  };
}

/** The `ping` event of a connection test (docs/wire-formats.md): nothing to apply, a new id each time. */
export function toPing(now: Date) {
  return { id: `ping_${now.getTime()}`, type: 'ping', createdAt: now.toISOString(), data: {} };
}
