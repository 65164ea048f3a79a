import type { PurchaseOrder } from '../types.ts';

/**
 * How a supplier looks at its purchase orders, by the PO states each stage takes in, as the hub's `state` filter of
 * the supplier API has them (src/http/routes/supplier-api.ts). Stages overlap: a PO accepted and not yet shipped is
 * both acknowledged and to ship.
 */
export const STAGES = [
  { id: 'new', label: 'New', states: ['pending', 'sent', 'send_failed'] },
  {
    id: 'acknowledged',
    label: 'Acknowledged',
    states: ['accepted', 'partially_accepted', 'partially_shipped', 'shipped', 'rejected'],
  },
  { id: 'to_ship', label: 'To ship', states: ['accepted', 'partially_accepted', 'partially_shipped'] },
  { id: 'shipped', label: 'Shipped', states: ['shipped'] },
] as const;

export type Stage = (typeof STAGES)[number]['id'];

export function inStage(po: PurchaseOrder, stage: Stage): boolean {
  return STAGES.some((s) => s.id === stage && (s.states as readonly string[]).includes(po.state));
}

/** A PO the supplier has not answered yet: the acknowledgement form is for these. */
export function awaitsAnswer(po: PurchaseOrder): boolean {
  return inStage(po, 'new');
}

/** A PO with accepted lines still to go out: the shipment form is for these. */
export function awaitsShipment(po: PurchaseOrder): boolean {
  return inStage(po, 'to_ship');
}
