/**
 * The simulated store's refunds: POST and GET /orders/{id}/refunds of the REST API v3, as WooCommerce's
 * WC_REST_Order_Refunds_Controller and wc_create_refund behave (written from their code, not from src/). A refund is
 * refused whole when the payment gateway cannot make it, restocks the lines it names unless told not to, and a
 * refund that leaves nothing to refund turns the order `refunded`. Demo and test use only.
 */
import { formatMinor, parseMinor } from './money.ts';
import { isRecord } from './shared.ts';
import type { WooLineItem, WooMeta, WooOrder, WooOrderStatus, WooProduct } from './woocommerce.ts';
import { localDate, pageOf, wcDate, wpError, type Reply } from './woocommerce-wire.ts';

/** A refunded line: the order's line item as WooCommerce copies it into the refund (no image or parent_name). */
export interface WooRefundLine extends Omit<WooLineItem, 'image' | 'parent_name'> {
  /** Negative: what was taken back, as are the amounts. */
  quantity: number;
  /** `_refunded_item_id`: the order's line item this refunds. */
  meta_data: WooMeta[];
}

export interface WooRefund {
  id: number;
  date_created: string;
  date_created_gmt: string;
  amount: string;
  reason: string;
  refunded_by: number;
  /** True when the payment gateway returned the money (api_refund). */
  refunded_payment: boolean;
  meta_data: WooMeta[];
  line_items: WooRefundLine[];
}

/** What the refunds need from the rest of the store. */
export interface RefundStore {
  digits: number;
  offsetMinutes: number;
  now(): number;
  nextId(): number;
  /** False: the order's payment gateway does not support refunds (or is gone), as with cheques or bank transfers. */
  gatewayCanRefund(): boolean;
  /** The gateway's process_refund, awaited while the refund is saved without its meta_data; a throw is a refusal. */
  processRefund(order: WooOrder, amount: string, reason: string): Promise<void>;
  product(id: number): WooProduct | undefined;
  note(orderId: number, text: string, customer: boolean): void;
  changeStatus(order: WooOrder, to: WooOrderStatus): void;
  touch(order: WooOrder): void;
}

/** A line of the request, in minor units. */
interface RequestedLine {
  item: WooOrder['line_items'][number];
  quantity: number;
  total: number;
  taxes: { id: number; units: number }[];
}

const CANNOT_CREATE = 'woocommerce_rest_cannot_create_order_refund';

export class RefundDesk {
  private readonly byOrder = new Map<number, WooRefund[]>();

  constructor(private readonly store: RefundStore) {}

  /** Newest first, as WooCommerce lists them. */
  refunds(orderId: number): WooRefund[] {
    return [...(this.byOrder.get(orderId) ?? [])].reverse();
  }

  list(order: WooOrder | undefined, query: URLSearchParams): Reply {
    if (!order) return wpError('woocommerce_rest_invalid_order_id', 'Invalid order ID.', 404);
    return pageOf(this.refunds(order.id), query);
  }

  /**
   * In wc_create_refund's order (includes/wc-order-functions.php), then the REST controller's: the request is
   * checked, the refund saved (listed from then on, without the request's meta_data), the payment gateway asked
   * (wc_refund_payment: a gateway that cannot refund, or refuses, gets the refund deleted and a 500), the refund
   * marked refunded_payment, the items restocked and the order settled; only then does
   * WC_REST_Order_Refunds_Controller::prepare_object_for_database write meta_data. A slow gateway leaves the
   * refund listed without its meta_data meanwhile, as a real store does.
   */
  async create(order: WooOrder | undefined, body: Record<string, unknown>): Promise<Reply> {
    if (!order) return wpError('woocommerce_rest_invalid_order_id', 'Invalid order ID.', 404);
    const lines = this.requestedLines(order, body.line_items);
    if (typeof lines === 'string')
      return wpError('rest_invalid_param', `Invalid parameter(s): ${lines}`, 400);
    const amount = this.amountOf(body.amount, lines);
    if (amount === undefined) return wpError('rest_invalid_param', 'Invalid parameter(s): amount', 400);
    if (amount < 0) {
      return wpError(
        'woocommerce_rest_invalid_order_refund',
        'Refund amount must be greater than zero.',
        400,
      );
    }
    const remaining = this.remaining(order);
    if (amount > remaining) return wpError(CANNOT_CREATE, 'Invalid refund amount.', 500);
    // RestApiUtil::adjust_create_refund_request_parameters: anything but a boolean means true.
    const refundPayment = typeof body.api_refund === 'boolean' ? body.api_refund : true;
    const restock = typeof body.api_restock === 'boolean' ? body.api_restock : true;
    const refund = this.record(order, amount, body.reason, lines);
    if (refundPayment) {
      const refused = await this.refundPayment(order, refund);
      if (refused !== undefined) {
        this.remove(order, refund);
        return wpError(CANNOT_CREATE, refused, 500);
      }
      refund.refunded_payment = true;
    }
    if (restock) for (const line of lines) this.restock(order, line);
    this.settle(order, remaining - amount);
    const meta = Array.isArray(body.meta_data) ? body.meta_data.filter(isRecord) : [];
    refund.meta_data = meta
      .filter((m) => typeof m.key === 'string')
      .map((m) => ({ id: this.store.nextId(), key: m.key as string, value: m.value }));
    return { status: 201, body: refund };
  }

  /** wc_refund_payment: the gateway's refusal as its message, or undefined when the money went back. */
  private async refundPayment(order: WooOrder, refund: WooRefund): Promise<string | undefined> {
    if (!this.store.gatewayCanRefund()) {
      return 'The payment gateway for this order does not support automatic refunds.';
    }
    try {
      await this.store.processRefund(order, refund.amount, refund.reason);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** WC_Order_Refund::delete after a gateway refused: as if the refund had never been. */
  private remove(order: WooOrder, refund: WooRefund): void {
    this.byOrder.set(
      order.id,
      (this.byOrder.get(order.id) ?? []).filter((r) => r !== refund),
    );
    order.refunds = order.refunds.filter((r) => r.id !== refund.id);
  }

  private requestedLines(order: WooOrder, given: unknown): RequestedLine[] | string {
    if (given === undefined) return [];
    if (!Array.isArray(given)) return 'line_items';
    const lines: RequestedLine[] = [];
    for (const entry of given) {
      if (!isRecord(entry)) return 'line_items';
      // Items that are not the order's are passed over, as wc_create_refund does.
      const item = order.line_items.find((i) => i.id === Number(entry.id));
      const quantity = entry.quantity === undefined ? 0 : Number(entry.quantity);
      const total = entry.refund_total === undefined ? 0 : this.minor(entry.refund_total);
      const taxes = Array.isArray(entry.refund_tax) ? entry.refund_tax : [];
      const taxUnits = taxes.map((t: unknown) =>
        isRecord(t) ? { id: Number(t.id), units: this.minor(t.refund_total) } : undefined,
      );
      if (!Number.isInteger(quantity) || quantity < 0 || total === undefined) return 'line_items';
      if (taxUnits.some((t) => t === undefined || t.units === undefined)) return 'line_items';
      const checkedTaxes = taxUnits as { id: number; units: number }[];
      if (item && (quantity > 0 || total > 0 || checkedTaxes.length > 0))
        lines.push({ item, quantity, total, taxes: checkedTaxes });
    }
    return lines;
  }

  /** The amount given (a decimal string), else what the lines add up to (RestApiUtil). */
  private amountOf(given: unknown, lines: readonly RequestedLine[]): number | undefined {
    if (given === undefined) {
      return lines.reduce((sum, l) => sum + l.total + l.taxes.reduce((t, tax) => t + tax.units, 0), 0);
    }
    if (typeof given !== 'string') return undefined;
    const negative = given.trim().startsWith('-');
    const units = this.minor(negative ? given.trim().slice(1) : given);
    return units === undefined ? undefined : negative ? -units : units;
  }

  /** A JSON number or a decimal string, in minor units; undefined when neither. */
  private minor(value: unknown): number | undefined {
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== 'string') return undefined;
    try {
      return parseMinor(text.trim(), this.store.digits);
    } catch {
      return undefined;
    }
  }

  /** WC_Order::get_remaining_refund_amount: the total less what was refunded. */
  private remaining(order: WooOrder): number {
    const refunded = (this.byOrder.get(order.id) ?? []).reduce((sum, r) => sum + this.minor(r.amount)!, 0);
    return parseMinor(order.total, this.store.digits) - refunded;
  }

  private record(
    order: WooOrder,
    amount: number,
    reason: unknown,
    lines: readonly RequestedLine[],
  ): WooRefund {
    const { store } = this;
    const ms = store.now();
    const refund: WooRefund = {
      id: store.nextId(),
      date_created: localDate(ms, store.offsetMinutes),
      date_created_gmt: wcDate(ms),
      amount: formatMinor(amount, store.digits),
      reason: typeof reason === 'string' ? reason : '',
      refunded_by: 1,
      refunded_payment: false,
      meta_data: [],
      line_items: lines.map((line) => this.refundLine(line)),
    };
    this.byOrder.set(order.id, [...(this.byOrder.get(order.id) ?? []), refund]);
    order.refunds = [{ id: refund.id, reason: refund.reason, total: `-${refund.amount}` }, ...order.refunds];
    return refund;
  }

  private refundLine(line: RequestedLine): WooRefundLine {
    const text = (units: number) => formatMinor(-units, this.store.digits);
    const tax = line.taxes.reduce((sum, t) => sum + t.units, 0);
    const { item } = line;
    return {
      id: this.store.nextId(),
      name: item.name,
      product_id: item.product_id,
      variation_id: item.variation_id,
      quantity: -line.quantity,
      tax_class: item.tax_class,
      subtotal: text(line.total),
      subtotal_tax: text(tax),
      total: text(line.total),
      total_tax: text(tax),
      taxes: line.taxes.map((t) => ({ id: t.id, total: text(t.units), subtotal: text(t.units) })),
      meta_data: [{ id: this.store.nextId(), key: '_refunded_item_id', value: String(item.id) }],
      sku: item.sku,
      // A float, as WooCommerce computes it: shown, never summed.
      price: line.quantity > 0 ? Number(text(line.total)) / line.quantity : 0,
    };
  }

  /** wc_restock_refunded_items: only products that manage their stock, with a private note per item. */
  private restock(order: WooOrder, line: RequestedLine): void {
    const product = this.store.product(line.item.variation_id || line.item.product_id);
    if (!product?.manage_stock || line.quantity === 0) return;
    const before = product.stock_quantity ?? 0;
    product.stock_quantity = before + line.quantity;
    product.stock_status = product.stock_quantity > 0 ? 'instock' : 'outofstock';
    this.store.note(
      order.id,
      `Item #${product.id} stock increased from ${before} to ${product.stock_quantity}.`,
      false,
    );
  }

  /** Nothing left to refund: the order becomes `refunded` (woocommerce_order_fully_refunded_status). */
  private settle(order: WooOrder, left: number): void {
    if (left <= 0 && order.status !== 'refunded') this.store.changeStatus(order, 'refunded');
    this.store.touch(order);
  }
}
