/**
 * The simulated eBay seller's orders, as the Fulfillment API has them (written from eBay's Order type in
 * sim/contracts/ebay/sell-fulfillment.json and the getOrders guide, not from Waybill's client): made like the other
 * simulators' orders (sim/order-generator.ts), with eBay's money (Amount: decimal strings), its promotions, delivery
 * costs and the sales tax eBay collects and remits; their shipping fulfilments and refunds. Demo and test use only.
 */
import {
  draftOrder,
  lineOrdinal,
  orderOrdinal,
  US_DESTINATIONS,
  type GeneratorContext,
  type UsDestination,
  type DrawnBuyer,
  drawBuyer,
  exampleEmail,
} from './order-generator.ts';
import { formatMinor, parseMinor } from './money.ts';

export interface EbayItem {
  sku: string;
  /** The listing's price, a decimal string ("12.99"). */
  price: string;
  title?: string;
}

/** What an order may be made with besides its items. */
export interface EbayOrderOptions {
  quantities?: number[];
  /** Not paid yet (orderPaymentStatus PENDING). */
  unpaid?: boolean;
  /** The first line's shipping cost ("5.99"); default drawn: 5.99 for about half the orders, else free. */
  deliveryCost?: string;
  /** A line whose listing has no SKU at all (eBay leaves `sku` out). */
  withoutSku?: boolean;
}

export interface EbayAmount {
  value: string;
  currency: string;
}

/** Only the fields the simulator writes; eBay's Order has more. */
export interface EbaySimOrder {
  orderId: string;
  legacyOrderId: string;
  creationDate: string;
  lastModifiedDate: string;
  orderFulfillmentStatus: 'NOT_STARTED' | 'IN_PROGRESS' | 'FULFILLED';
  orderPaymentStatus: 'PAID' | 'PENDING' | 'FULLY_REFUNDED' | 'PARTIALLY_REFUNDED';
  sellerId: string;
  buyer: {
    username: string;
    buyerRegistrationAddress: { fullName: string; email: string; contactAddress: { countryCode: string } };
  };
  pricingSummary: Record<string, EbayAmount>;
  cancelStatus: {
    cancelState: 'NONE_REQUESTED' | 'IN_PROGRESS' | 'CANCELED';
    cancelRequests: Record<string, string>[];
    cancelledDate?: string;
  };
  paymentSummary: {
    totalDueSeller: EbayAmount;
    payments: Record<string, unknown>[];
    /** Refunds of the order as a whole (OrderRefund): line item refunds are listed on their lines instead. */
    refunds: {
      refundId?: string;
      refundReferenceId?: string;
      refundDate: string;
      amount: EbayAmount;
      refundStatus: 'PENDING' | 'REFUNDED' | 'FAILED';
    }[];
  };
  fulfillmentStartInstructions: Record<string, unknown>[];
  fulfillmentHrefs: string[];
  salesRecordReference: string;
  ebayCollectAndRemitTax?: boolean;
  lineItems: EbaySimLine[];
}

export interface EbaySimLine {
  lineItemId: string;
  legacyItemId: string;
  sku?: string;
  title: string;
  quantity: number;
  lineItemCost: EbayAmount;
  discountedLineItemCost?: EbayAmount;
  appliedPromotions: { promotionId: string; description: string; discountAmount: EbayAmount }[];
  deliveryCost: { shippingCost: EbayAmount };
  taxes: { amount: EbayAmount; taxType: string }[];
  ebayCollectAndRemitTaxes?: { amount: EbayAmount; taxType: string; collectionMethod: 'NET' }[];
  total: EbayAmount;
  lineItemFulfillmentStatus: 'NOT_STARTED' | 'IN_PROGRESS' | 'FULFILLED';
  soldFormat: 'FIXED_PRICE';
  listingMarketplaceId: string;
  purchaseMarketplaceId: string;
  refunds?: { refundId: string; refundDate: string; amount: EbayAmount }[];
}

export interface EbayFulfillment {
  fulfillmentId: string;
  shipmentTrackingNumber: string;
  shippingCarrierCode: string;
  shippedDate: string;
  lineItems: { lineItemId: string; quantity: number }[];
}

const FIRST_NAMES = ['Ann', 'Luis', 'Mei', 'Kwame', 'Sofia', 'Jonas', 'Priya', 'Omar'];
const LAST_NAMES = ['Smith', 'García', 'Chen', 'Mensah', 'Rossi', 'Berg', 'Patel', 'Haddad'];
const PROMOTION = { basisPoints: 1_000, id: '5000123451', description: '10% off 2 or more' } as const;

/** A seller's order book: orders by id, their fulfilments, and a clock that only moves forward. */
export class EbayOrderBook {
  private readonly orders = new Map<string, EbaySimOrder>();
  private readonly shipped = new Map<string, EbayFulfillment[]>();
  private lastStamp = 0;
  private nextId = 1;

  constructor(
    private readonly store: GeneratorContext,
    readonly marketplaceId: string,
    private readonly now: () => number,
  ) {}

  /** Order i (the same every time for the same seed), not yet kept: `keep` puts it in the book. */
  makeOrder(i: number, items: readonly EbayItem[], options: EbayOrderOptions = {}): EbaySimOrder {
    const { digits, currency } = this.store;
    const amount = (units: number): EbayAmount => ({ value: formatMinor(units, digits), currency });
    const draft = draftOrder(
      this.store,
      { i, items, ...(options.quantities ? { quantities: options.quantities } : {}) },
      {
        pickBuyer: (r) => drawBuyer(r, { first: FIRST_NAMES, last: LAST_NAMES }, US_DESTINATIONS),
        discountBp: PROMOTION.basisPoints,
      },
    );
    const shippingUnits =
      options.deliveryCost !== undefined
        ? parseMinor(options.deliveryCost, digits)
        : draft.random() < 0.5
          ? 599
          : 0;
    const taxType = 'STATE_SALES_TAX';
    const lineItems: EbaySimLine[] = draft.lines.map((line, index) => {
      const shipping = index === 0 ? shippingUnits : 0;
      const tax = line.tax ? [{ amount: amount(line.tax), taxType }] : [];
      return {
        lineItemId: String(10_000_000_000 + lineOrdinal(this.store, i, index)),
        legacyItemId: String(110_000_000_000 + lineOrdinal(this.store, i, index)),
        ...(options.withoutSku && index === 0 ? {} : { sku: line.item.sku }),
        title: line.item.title ?? line.item.sku,
        quantity: line.quantity,
        lineItemCost: amount(line.gross),
        ...(line.discount ? { discountedLineItemCost: amount(line.net) } : {}),
        appliedPromotions: line.discount
          ? [
              {
                promotionId: PROMOTION.id,
                description: PROMOTION.description,
                discountAmount: amount(line.discount),
              },
            ]
          : [],
        deliveryCost: { shippingCost: amount(shipping) },
        taxes: tax,
        ...(tax.length
          ? { ebayCollectAndRemitTaxes: tax.map((t) => ({ ...t, collectionMethod: 'NET' as const })) }
          : {}),
        total: amount(line.net + shipping + line.tax),
        lineItemFulfillmentStatus: 'NOT_STARTED',
        soldFormat: 'FIXED_PRICE',
        listingMarketplaceId: this.marketplaceId,
        purchaseMarketplaceId: this.marketplaceId,
      };
    });
    const sum = (f: (l: (typeof draft.lines)[number]) => number) => draft.lines.reduce((n, l) => n + f(l), 0);
    const discount = sum((l) => l.discount);
    const tax = sum((l) => l.tax);
    const total = sum((l) => l.net + l.tax) + shippingUnits;
    const ordinal = orderOrdinal(this.store, i);
    // eBay has no order from the future: a generated order dated after now is dated now.
    const created = new Date(Math.min(draft.createdMs, this.now())).toISOString();
    return {
      orderId: `${String(10 + (ordinal % 90))}-${String(ordinal % 100_000).padStart(5, '0')}-${String(Math.floor(ordinal / 100_000) % 100_000).padStart(5, '0')}`,
      legacyOrderId: `${110_000_000_000 + ordinal}-${2_000_000_000_000 + ordinal}`,
      creationDate: created,
      lastModifiedDate: created,
      orderFulfillmentStatus: 'NOT_STARTED',
      orderPaymentStatus: options.unpaid ? 'PENDING' : 'PAID',
      sellerId: 'waybill_sim_seller',
      buyer: buyerOf(draft.buyer),
      pricingSummary: {
        priceSubtotal: amount(sum((l) => l.gross)),
        ...(discount ? { priceDiscount: amount(-discount) } : {}),
        deliveryCost: amount(shippingUnits),
        ...(tax ? { tax: amount(tax) } : {}),
        total: amount(total),
      },
      cancelStatus: { cancelState: 'NONE_REQUESTED', cancelRequests: [] },
      paymentSummary: {
        totalDueSeller: amount(total - tax),
        payments: options.unpaid
          ? []
          : [
              {
                paymentMethod: 'EBAY',
                paymentReferenceId: `P${ordinal}`,
                paymentDate: created,
                amount: amount(total),
                paymentStatus: 'PAID',
              },
            ],
        refunds: [],
      },
      fulfillmentStartInstructions: [shipToOf(draft.buyer)],
      fulfillmentHrefs: [],
      salesRecordReference: String(1_000 + i),
      ...(tax ? { ebayCollectAndRemitTax: true } : {}),
      lineItems,
    };
  }

  /** Puts the order in the book as it is (a later version replaces it). */
  keep(order: EbaySimOrder): EbaySimOrder {
    this.lastStamp = Math.max(this.lastStamp, Date.parse(order.lastModifiedDate));
    this.orders.set(order.orderId, order);
    return order;
  }

  get(orderId: string): EbaySimOrder | undefined {
    return this.orders.get(orderId);
  }

  all(): EbaySimOrder[] {
    return [...this.orders.values()];
  }

  /** Changes an order and stamps it modified now (strictly later than any stamp before: the filter must see it). */
  change(orderId: string, mutate: (order: EbaySimOrder) => void): EbaySimOrder {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    mutate(order);
    this.lastStamp = Math.max(this.lastStamp + 1, this.now());
    order.lastModifiedDate = new Date(this.lastStamp).toISOString();
    return order;
  }

  fulfillments(orderId: string): EbayFulfillment[] {
    return this.shipped.get(orderId) ?? [];
  }

  /**
   * createShippingFulfillment: the line items must be the order's, each at most its units not yet shipped; eBay
   * then counts them shipped and moves the order's fulfilment status. Returns an eBay error id when refused.
   */
  ship(
    orderId: string,
    body: ShipRequest,
  ): { fulfillment: EbayFulfillment } | { errorId: number; message: string; status: number } {
    const order = this.orders.get(orderId);
    if (!order) return { errorId: 32100, message: `Invalid Order Id: ${orderId}`, status: 400 };
    const ids = body.lineItems.map((l) => l.lineItemId);
    if (new Set(ids).size !== ids.length)
      return { errorId: 32210, message: 'Duplicate line item in the request', status: 400 };
    if (!body.trackingNumber || !body.shippingCarrierCode)
      return { errorId: 32300, message: 'Invalid shipment tracking number or carrier', status: 400 };
    // ShippingFulfillmentDetails.trackingNumber: "Only alphanumeric characters are supported ... Spaces, hyphens,
    // and all other special characters are not supported", even where the label prints them.
    if (!/^[A-Za-z0-9]+$/.test(body.trackingNumber))
      return { errorId: 32300, message: 'Invalid shipment tracking number or carrier', status: 400 };
    const done = this.shippedUnits(orderId);
    for (const requested of body.lineItems) {
      const line = order.lineItems.find((l) => l.lineItemId === requested.lineItemId);
      if (!line)
        return { errorId: 32200, message: `Invalid line item id: ${requested.lineItemId}`, status: 400 };
      if ((done.get(line.lineItemId) ?? 0) + (requested.quantity ?? line.quantity) > line.quantity)
        return { errorId: 32600, message: 'Invalid input data', status: 409 };
    }
    const fulfillment: EbayFulfillment = {
      fulfillmentId: body.trackingNumber,
      shipmentTrackingNumber: body.trackingNumber,
      shippingCarrierCode: body.shippingCarrierCode,
      shippedDate: body.shippedDate ?? new Date(this.now()).toISOString(),
      lineItems: body.lineItems.map((l) => ({
        lineItemId: l.lineItemId,
        quantity: l.quantity ?? order.lineItems.find((x) => x.lineItemId === l.lineItemId)!.quantity,
      })),
    };
    this.shipped.set(orderId, [...this.fulfillments(orderId), fulfillment]);
    this.change(orderId, (o) => {
      const after = this.shippedUnits(orderId);
      for (const line of o.lineItems)
        line.lineItemFulfillmentStatus =
          (after.get(line.lineItemId) ?? 0) >= line.quantity
            ? 'FULFILLED'
            : (after.get(line.lineItemId) ?? 0) > 0
              ? 'IN_PROGRESS'
              : 'NOT_STARTED';
      o.orderFulfillmentStatus = o.lineItems.every((l) => l.lineItemFulfillmentStatus === 'FULFILLED')
        ? 'FULFILLED'
        : 'IN_PROGRESS';
      o.fulfillmentHrefs.push(
        `/sell/fulfillment/v1/order/${orderId}/shipping_fulfillment/${fulfillment.fulfillmentId}`,
      );
    });
    return { fulfillment };
  }

  /**
   * issueRefund by line items: each amount at most what is left of the line's seller's share (eBay's line refunds
   * leave out the tax it collected). Applied at once (eBay processes refunds asynchronously; its answer says PENDING).
   */
  refund(
    orderId: string,
    body: RefundRequest,
    digits: number,
  ): { refundId: string } | { errorId: number; message: string; status: number } {
    const order = this.orders.get(orderId);
    if (!order) return { errorId: 34913, message: 'Can not find the order.', status: 404 };
    if (order.orderPaymentStatus === 'PENDING')
      return {
        errorId: 34929,
        message:
          'You cannot refund this order yet since the buyer payment has not been processed. Please try again later.',
        status: 409,
      };
    if (!body.reasonForRefund)
      return { errorId: 34903, message: 'The refund reason must be specified.', status: 400 };
    const items = body.refundItems ?? [];
    if (items.length === 0)
      return {
        errorId: 34905,
        message: 'Either orderLevelRefundAmount or refundItems must be specified.',
        status: 400,
      };
    for (const item of items) {
      const line = order.lineItems.find((l) => l.lineItemId === item.lineItemId);
      if (!line) return { errorId: 34914, message: "Can't find the item in the order.", status: 400 };
      if (
        !/^\d+(\.\d{1,2})?$/.test(item.refundAmount?.value ?? '') ||
        parseMinor(item.refundAmount!.value, digits) <= 0
      )
        return {
          errorId: 34907,
          message: 'The amount value must be positive and within two decimals.',
          status: 400,
        };
      if (item.refundAmount!.currency !== line.total.currency)
        return { errorId: 34909, message: "The amount currency isn't correct.", status: 400 };
      const sellerShare =
        parseMinor(line.total.value, digits) -
        (line.ebayCollectAndRemitTaxes ?? []).reduce((n, t) => n + parseMinor(t.amount.value, digits), 0);
      const refunded = (line.refunds ?? []).reduce((n, r) => n + parseMinor(r.amount.value, digits), 0);
      if (refunded + parseMinor(item.refundAmount!.value, digits) > sellerShare)
        return {
          errorId: 34924,
          message: 'The item refund amount exceeds the item remaining amount.',
          status: 409,
        };
    }
    const refundId = `5${String(this.nextId++).padStart(10, '0')}`;
    const refundDate = new Date(this.now()).toISOString();
    this.change(orderId, (o) => {
      for (const item of items) {
        const line = o.lineItems.find((l) => l.lineItemId === item.lineItemId)!;
        line.refunds = [
          ...(line.refunds ?? []),
          {
            refundId,
            refundDate,
            amount: { value: item.refundAmount!.value, currency: item.refundAmount!.currency },
          },
        ];
      }
      settlePayment(o, digits);
    });
    return { refundId };
  }

  /**
   * A refund of the order as a whole, made at eBay (Seller Hub): listed in paymentSummary.refunds with the reference
   * id eBay gives such refunds (no refundId: that is issueRefund's), REFUNDED. At most what the seller has left.
   */
  refundWhole(orderId: string, value: string, digits: number): { refundReferenceId: string } {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    const left = parseMinor(order.paymentSummary.totalDueSeller.value, digits) - refundedOf(order, digits);
    if (parseMinor(value, digits) > left) throw new Error(`only ${left} left to refund of ${orderId}`);
    const refundReferenceId = `R${String(this.nextId++).padStart(10, '0')}`;
    this.change(orderId, (o) => {
      o.paymentSummary.refunds.push({
        refundReferenceId,
        refundDate: new Date(this.now()).toISOString(),
        amount: { value, currency: o.pricingSummary.total!.currency },
        refundStatus: 'REFUNDED',
      });
      settlePayment(o, digits);
    });
    return { refundReferenceId };
  }

  private shippedUnits(orderId: string): Map<string, number> {
    const done = new Map<string, number>();
    for (const f of this.fulfillments(orderId))
      for (const l of f.lineItems) done.set(l.lineItemId, (done.get(l.lineItemId) ?? 0) + l.quantity);
    return done;
  }
}

export interface ShipRequest {
  lineItems: { lineItemId: string; quantity?: number }[];
  shippedDate?: string;
  shippingCarrierCode?: string;
  trackingNumber?: string;
}

export interface RefundRequest {
  reasonForRefund?: string;
  comment?: string;
  refundItems?: { lineItemId?: string; refundAmount?: { value: string; currency: string } }[];
}

/** What was given back so far, line refunds and refunds of the whole order (a FAILED one gave nothing). */
function refundedOf(order: EbaySimOrder, digits: number): number {
  const refunds = [
    ...order.lineItems.flatMap((l) => l.refunds ?? []),
    ...order.paymentSummary.refunds.filter((r) => r.refundStatus !== 'FAILED'),
  ];
  return refunds.reduce((n, r) => n + parseMinor(r.amount.value, digits), 0);
}

function settlePayment(order: EbaySimOrder, digits: number): void {
  const due = parseMinor(order.paymentSummary.totalDueSeller.value, digits);
  order.orderPaymentStatus = refundedOf(order, digits) >= due ? 'FULLY_REFUNDED' : 'PARTIALLY_REFUNDED';
}

function buyerOf(buyer: DrawnBuyer<UsDestination>): EbaySimOrder['buyer'] {
  return {
    username: `${buyer.first
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}_${buyer.phoneLine}`,
    buyerRegistrationAddress: {
      fullName: `${buyer.first} ${buyer.last}`,
      email: exampleEmail(buyer.first, buyer.last),
      contactAddress: { countryCode: 'US' },
    },
  };
}

/** eBay's ship-to step: the buyer's name, address and phone, and the service the buyer chose. */
function shipToOf(buyer: DrawnBuyer<UsDestination>): Record<string, unknown> {
  const d = buyer.destination;
  return {
    fulfillmentInstructionsType: 'SHIP_TO',
    ebaySupportedFulfillment: false,
    shippingStep: {
      shippingCarrierCode: 'USPS',
      shippingServiceCode: 'USPSPriority',
      shipTo: {
        fullName: `${buyer.first} ${buyer.last}`,
        contactAddress: {
          addressLine1: d.street,
          ...(buyer.apartment ? { addressLine2: buyer.apartment } : {}),
          city: d.city,
          stateOrProvince: d.stateCode,
          postalCode: d.zip,
          countryCode: 'US',
        },
        primaryPhone: { phoneNumber: `+1 415-555-${buyer.phoneLine}` },
        email: `${exampleEmail(buyer.first, buyer.last).split('@')[0]}@members.ebay.example`,
      },
    },
  };
}
