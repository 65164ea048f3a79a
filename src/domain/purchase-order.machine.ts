import { defineMachine } from './state-machine.ts';

/**
 * A purchase order to one supplier. `draft` is planned but held (the order is not paid); `pending` means queued for sending. An acknowledgement may overtake the record
 * of the send (the supplier answers before our worker has committed "sent"), so acknowledgements are legal from
 * `pending` and `send_failed` too: an ack proves the supplier has the PO.
 */
export const purchaseOrderMachine = defineMachine('purchase order', 'draft', {
  // Planned for an order not paid yet: nothing goes to the supplier until the channel says it is paid.
  draft: ['pending', 'cancelled'],
  pending: ['sent', 'accepted', 'partially_accepted', 'rejected', 'send_failed', 'cancelled'],
  send_failed: ['pending', 'accepted', 'partially_accepted', 'rejected', 'cancelled'],
  sent: ['accepted', 'partially_accepted', 'rejected', 'cancelled'],
  accepted: ['partially_shipped', 'shipped', 'cancelled'],
  partially_accepted: ['partially_shipped', 'shipped', 'cancelled'],
  partially_shipped: ['shipped'],
  shipped: [],
  rejected: [],
  cancelled: [],
});
export type PurchaseOrderState = (typeof purchaseOrderMachine.states)[number];

/** A shipment from the moment the supplier reports it until the carrier delivers it. */
export const shipmentMachine = defineMachine('shipment', 'shipped', {
  shipped: ['in_transit', 'out_for_delivery', 'delivered', 'exception'],
  in_transit: ['out_for_delivery', 'delivered', 'exception'],
  out_for_delivery: ['delivered', 'exception'],
  exception: ['in_transit', 'out_for_delivery', 'delivered', 'returned'],
  delivered: [],
  returned: [],
});
export type ShipmentState = (typeof shipmentMachine.states)[number];
