/**
 * The simulated Magento store's sales books: orders, invoices, shipments and credit memos, and what each document
 * does to its order, as Magento's sales services do (ShipOrder, RefundOrder, RefundInvoice and their validators;
 * Order\Item::getQtyToShip, Order::canCreditmemo). Money in the order currency's minor units inside, JSON numbers
 * outside. Demo and test use only.
 */
import { formatMinor } from './money.ts';
import {
  magentoTime,
  parseMagentoTime,
  STATUS_OF,
  type Json,
  type SimItem,
  type SimOrder,
} from './magento-orders.ts';

interface Reply {
  status: number;
  body: unknown;
}

const ONLINE_METHODS = new Set(['braintree', 'paypal_express', 'authorizenet_acceptjs']);

export class MagentoBooks {
  readonly orders = new Map<number, SimOrder>();
  readonly invoices: Json[] = [];
  readonly shipments: Json[] = [];
  readonly creditmemos: Json[] = [];
  private lastId = 5_000;

  constructor(private readonly now: () => number) {}

  /** The order as the store keeps it; a paid one with its invoice. */
  keep(order: SimOrder): SimOrder {
    this.orders.set(order.entity_id, order);
    if ((order.total_paid as number | undefined) !== undefined) this.addInvoice(order);
    return order;
  }

  /** Saves a change: updated_at moves to now, and on by at least a second (Magento's timestamps have seconds). */
  save(id: number, mutate: (order: SimOrder) => void): SimOrder {
    const order = this.orders.get(id);
    if (!order) throw new Error(`no order ${id}`);
    mutate(order);
    const after = Math.max(this.now(), parseMagentoTime(order.updated_at) + 1_000);
    order.updated_at = magentoTime(after);
    for (const item of order.items) item.updated_at = order.updated_at;
    return order;
  }

  /** Invoices (captures) the whole order: it becomes processing. */
  invoice(id: number): SimOrder {
    return this.save(id, (order) => {
      order.state = 'processing';
      order.status = STATUS_OF.processing;
      order.total_paid = order.grand_total;
      order.total_invoiced = order.grand_total;
      order.total_due = 0;
      for (const item of order.items) item.qty_invoiced = item.qty_ordered;
      this.addInvoice(order);
    });
  }

  /**
   * POST /V1/order/{orderId}/ship: ShipOrder's validation (the order can ship, each item is the order's and has that
   * many left to ship), then the shipment with its tracks; the order is processing, or complete when nothing is left.
   */
  ship(orderId: number, body: Json): Reply {
    const order = this.orders.get(orderId);
    if (!order) return notFound();
    const refused = (reason: string): Reply => ({
      status: 400,
      body: { message: `Shipment Document Validation Error(s):\n${reason}` },
    });
    if (!['new', 'processing'].includes(order.state))
      return refused('The order does not allow a shipment to be created.');
    const wanted = (body.items ?? []) as { order_item_id: number; qty: number }[];
    if (wanted.length === 0) return refused("You can't create a shipment without products.");
    for (const line of wanted) {
      const item = order.items.find((i) => i.item_id === line.order_item_id);
      if (!item || line.qty > qtyToShip(item))
        return refused('The shipment contains items the order cannot ship.');
    }
    const id = ++this.lastId;
    const created = magentoTime(this.now());
    const tracks = ((body.tracks ?? []) as Json[]).map((track) => ({
      order_id: orderId,
      created_at: created,
      entity_id: ++this.lastId,
      parent_id: id,
      updated_at: created,
      weight: null,
      qty: null,
      description: null,
      track_number: track.track_number,
      title: track.title,
      carrier_code: track.carrier_code,
    }));
    const sourceCode = ((body.arguments as Json | undefined)?.extension_attributes as Json | undefined)
      ?.source_code;
    this.shipments.push({
      entity_id: id,
      increment_id: String(id).padStart(9, '0'),
      order_id: orderId,
      created_at: created,
      updated_at: created,
      store_id: 1,
      total_qty: wanted.reduce((n, l) => n + l.qty, 0),
      items: wanted.map((line) => {
        const item = order.items.find((i) => i.item_id === line.order_item_id)!;
        return {
          entity_id: ++this.lastId,
          parent_id: id,
          order_item_id: item.item_id,
          sku: item.sku,
          name: item.name,
          price: item.price,
          qty: line.qty,
        };
      }),
      tracks,
      comments: [],
      ...(typeof sourceCode === 'string' ? { extension_attributes: { source_code: sourceCode } } : {}),
    });
    this.save(orderId, (o) => {
      for (const line of wanted)
        o.items.find((i) => i.item_id === line.order_item_id)!.qty_shipped += line.qty;
      const done = o.items.every((i) => i.parent_item_id !== undefined || qtyToShip(i) === 0);
      const invoiced = (o.total_paid as number | undefined) !== undefined;
      o.state = done && invoiced ? 'complete' : 'processing';
      o.status = STATUS_OF[o.state];
    });
    return { status: 200, body: id };
  }

  /** POST /V1/invoice/{invoiceId}/refund: isOnline needs an invoice the gateway captured (a transaction id). */
  refundInvoice(invoiceId: number, body: Json): Reply {
    const invoice = this.invoices.find((i) => i.entity_id === invoiceId);
    if (!invoice) return notFound();
    if (body.isOnline === true && !invoice.transaction_id)
      return {
        status: 400,
        body: {
          message:
            "Creditmemo Document Validation Error(s):\nThe invoice can't be refunded online: it was not captured online.",
        },
      };
    return this.refund(invoice.order_id as number, body, invoice);
  }

  /**
   * A credit memo (RefundOrder, RefundInvoice): something invoiced to refund, each item at most what is invoiced and
   * not yet refunded. Each item's row, discount and tax pro rata per unit, the last unit taking the remainder;
   * shipping as asked, else all that is left (Magento's default); then the order's figures, closed when all is back.
   */
  refund(orderId: number, body: Json, invoice: Json | null): Reply {
    const order = this.orders.get(orderId);
    if (!order) return notFound();
    const refused = (reason: string): Reply => ({
      status: 400,
      body: { message: `Creditmemo Document Validation Error(s):\n${reason}` },
    });
    if (
      (order.total_paid as number | undefined) === undefined ||
      order.state === 'closed' ||
      order.state === 'canceled'
    )
      return refused('The order does not allow a creditmemo to be created.');
    const digits = digitsOf(order.order_currency_code);
    const minor = (value: unknown) => Math.round(Number(value ?? 0) * 10 ** digits);
    const major = (units: number) => Number(formatMinor(units, digits));
    const wanted = (body.items ?? []) as { order_item_id: number; qty: number }[];
    for (const line of wanted) {
      const item = order.items.find((i) => i.item_id === line.order_item_id);
      if (!item || line.qty > item.qty_invoiced - item.qty_refunded)
        return refused(
          `The quantity to refund must not be greater than the unrefunded quantity for product SKU "${item?.sku ?? line.order_item_id}".`,
        );
    }
    const args = (body.arguments ?? {}) as Json;
    const shippingLeft = minor(order.shipping_amount) - minor(order.shipping_refunded);
    const shipping = args.shipping_amount === undefined ? shippingLeft : minor(args.shipping_amount);
    if (shipping > shippingLeft)
      return refused('Maximum shipping amount allowed to refund is: ' + formatMinor(shippingLeft, digits));
    const rows = wanted.map((line) => {
      const item = order.items.find((i) => i.item_id === line.order_item_id)!;
      const share = (total: unknown) => shareOf(minor(total), item.qty_refunded, line.qty, item.qty_ordered);
      return {
        item,
        qty: line.qty,
        row: share(item.row_total),
        tax: share(item.tax_amount),
        discount: share(item.discount_amount),
      };
    });
    const subtotal = rows.reduce((n, r) => n + r.row, 0);
    const tax = rows.reduce((n, r) => n + r.tax, 0);
    const discount = rows.reduce((n, r) => n + r.discount, 0);
    const grand =
      subtotal +
      tax -
      discount +
      shipping +
      minor(args.adjustment_positive) -
      minor(args.adjustment_negative);
    const id = ++this.lastId;
    const created = magentoTime(this.now());
    const comment = body.comment as Json | undefined;
    this.creditmemos.push({
      entity_id: id,
      increment_id: String(id).padStart(9, '0'),
      order_id: orderId,
      ...(invoice ? { invoice_id: invoice.entity_id } : {}),
      order_currency_code: order.order_currency_code,
      created_at: created,
      updated_at: created,
      state: 2,
      subtotal: major(subtotal),
      tax_amount: major(tax),
      discount_amount: -major(discount),
      shipping_amount: major(shipping),
      adjustment_positive: major(minor(args.adjustment_positive)),
      adjustment_negative: major(minor(args.adjustment_negative)),
      grand_total: major(grand),
      // A configurable product's child item comes with its parent, as CreditmemoFactory adds it: units, no money.
      items: rows.flatMap((r) => [
        {
          entity_id: ++this.lastId,
          parent_id: id,
          order_item_id: r.item.item_id,
          sku: r.item.sku,
          qty: r.qty,
          price: r.item.price,
          base_price: r.item.base_price ?? r.item.price,
          base_cost: 0,
          row_total: major(r.row),
          tax_amount: major(r.tax),
          discount_amount: major(r.discount),
        },
        ...childrenOf(order, r.item).map((child) => ({
          entity_id: ++this.lastId,
          parent_id: id,
          order_item_id: child.item_id,
          sku: child.sku,
          qty: r.qty,
          price: 0,
          base_price: 0,
          base_cost: 0,
          row_total: 0,
          tax_amount: 0,
          discount_amount: 0,
        })),
      ]),
      comments:
        comment && typeof comment.comment === 'string'
          ? [
              {
                comment: comment.comment,
                created_at: created,
                entity_id: ++this.lastId,
                parent_id: id,
                is_customer_notified: body.notify === true ? 1 : 0,
                is_visible_on_front: Number(comment.is_visible_on_front ?? 0),
              },
            ]
          : [],
    });
    this.save(orderId, (o) => {
      for (const r of rows) {
        r.item.qty_refunded += r.qty;
        for (const child of childrenOf(o, r.item)) child.qty_refunded += r.qty;
        r.item.amount_refunded = major(minor(r.item.amount_refunded) + r.row);
        r.item.tax_refunded = major(minor(r.item.tax_refunded) + r.tax);
        r.item.discount_refunded = major(minor(r.item.discount_refunded) + r.discount);
      }
      o.total_refunded = major(minor(o.total_refunded) + grand);
      o.subtotal_refunded = major(minor(o.subtotal_refunded) + subtotal);
      o.tax_refunded = major(minor(o.tax_refunded) + tax);
      // The memo's discount_amount, negative (RefundOperation adds it as it is), unlike the items' discount_refunded.
      o.discount_refunded = major(minor(o.discount_refunded) - discount);
      o.shipping_refunded = major(minor(o.shipping_refunded) + shipping);
      const online =
        invoice !== null && body.isOnline === true && ONLINE_METHODS.has(String((o.payment as Json).method));
      const key = online ? 'total_online_refunded' : 'total_offline_refunded';
      o[key] = major(minor(o[key]) + grand);
      if (minor(o.total_refunded) >= minor(o.total_paid)) {
        o.state = 'closed';
        o.status = STATUS_OF.closed;
      }
    });
    return { status: 200, body: id };
  }

  private addInvoice(order: SimOrder): void {
    const id = ++this.lastId;
    const method = String((order.payment as Json).method);
    this.invoices.push({
      entity_id: id,
      increment_id: String(id).padStart(9, '0'),
      order_id: order.entity_id,
      state: 2,
      grand_total: order.grand_total,
      order_currency_code: order.order_currency_code,
      total_qty: order.items.reduce((n, i) => n + (i.parent_item_id === undefined ? i.qty_ordered : 0), 0),
      ...(ONLINE_METHODS.has(method) ? { transaction_id: `txn-${order.entity_id}` } : {}),
      created_at: magentoTime(this.now()),
      items: order.items.map((item) => ({
        entity_id: ++this.lastId,
        parent_id: id,
        order_item_id: item.item_id,
        sku: item.sku,
        qty: item.qty_ordered,
      })),
      comments: [],
    });
  }
}

/** Order\Item::getSimpleQtyToShip. */
export function qtyToShip(item: SimItem): number {
  return Math.max(0, item.qty_ordered - item.qty_shipped - item.qty_refunded - item.qty_canceled);
}

/** Units [before, before + qty) of `total` over `of` units, pro rata, rounded so that all the units add up to it. */
function shareOf(total: number, before: number, qty: number, of: number): number {
  const upTo = (units: number) => Math.round((total * units) / of);
  return upTo(before + qty) - upTo(before);
}

function digitsOf(code: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
    .maximumFractionDigits!;
}

function notFound(): Reply {
  return {
    status: 404,
    body: { message: "The entity that was requested doesn't exist. Verify the entity and try again." },
  };
}

function childrenOf(order: SimOrder, item: SimItem): SimItem[] {
  return order.items.filter((i) => i.parent_item_id === item.item_id);
}
