import type { ChannelId, Sku } from '../../../domain/ids.ts';
import {
  chargedLine,
  figuresOf,
  type FeeCharge,
  type OrderCharges,
  type TaxLine,
} from '../../../domain/charges.ts';
import { decimalToMinorUnits } from '../../../domain/decimal.ts';
import { currency, money, type CurrencyCode } from '../../../domain/money.ts';
import type { IncomingLine } from '../../../domain/order.ts';
import type { OrderMessage } from '../sales-channel.ts';
import { marketplaceCurrency } from './marketplaces.ts';
import type { AmazonItemBreakdown, AmazonMoney, AmazonOrder, AmazonOrderItem } from './wire.ts';

/**
 * An Orders API v2026-01-01 order → Waybill's order message. Money is the `proceeds` dataset, per item: breakdowns
 * of type ITEM (unit price × quantity), SHIPPING, GIFT_WRAP, COD_FEE, OTHER, TAX and DISCOUNT, the last two split by
 * `detailedBreakdowns` subtype (ITEM, SHIPPING, GIFT_WRAP, COD_FEE, OTHER, and for TAX also DISCOUNT: the tax on a
 * promotion). The model's examples make an item's proceedsTotal the sum of its breakdowns, tax on top, so a
 * DISCOUNT is negative there; Waybill reads its magnitude, whichever sign it comes with. Every amount is parsed from
 * its decimal text exactly: SP-API writes Money's `amount` as a decimal string ("Decimal: a decimal number with no
 * loss of precision") in however many digits it likes ("30.0", "1500", "0.02"); trailing zeros are fine, a digit
 * below the currency's minor unit is refused, naming the field (decimalToMinorUnits, src/domain/decimal.ts).
 */
export function fromAmazonOrder(channelId: ChannelId, order: AmazonOrder): OrderMessage | null {
  const items = order.orderItems.filter((item) => item.quantityOrdered > 0);
  // Nothing left to ship or refund (an order cancelled before it had any units): nothing to take in.
  if (items.length === 0) return null;
  const code = orderCurrency(order);
  const amounts = new Amounts(code, order.orderId);
  const priced = items.map((item, index) => priceItem(item, index, amounts));
  const charges = orderCharges(order, priced, amounts);
  const status = order.fulfillment?.fulfillmentStatus;
  const request = buyerCancellation(items);
  const ship = order.recipient?.deliveryAddress ?? {};
  return {
    kind: 'order',
    incoming: {
      channelId,
      externalId: order.orderId,
      placedAt: new Date(order.createdTime),
      currency: code,
      customer: {
        email: order.buyer?.buyerEmail ?? '',
        name: present(order.buyer?.buyerName),
        phone: present(ship.phone),
      },
      shippingAddress: {
        name: ship.name?.trim() ?? '',
        line1: ship.addressLine1?.trim() ?? '',
        line2: joined([ship.companyName, ship.addressLine2, ship.addressLine3]),
        city: ship.city?.trim() ?? '',
        region: present(ship.stateOrRegion),
        postalCode: ship.postalCode?.trim() ?? '',
        country: ship.countryCode?.trim() ?? '',
        phone: present(ship.phone),
      },
      lines: priced.map((p) => p.line),
      charges,
    },
    sourceUpdatedAt: new Date(order.lastUpdatedTime),
    // A buyer's request to cancel, on every unshipped unit, is honoured as Amazon's own cancellation would be.
    cancelled: status === 'CANCELLED' || status === 'UNFULFILLABLE' || request === 'whole',
    // PENDING: placed, payment not authorised yet; PENDING_AVAILABILITY: a pre-order, not paid until release.
    awaitingPayment: status === 'PENDING' || status === 'PENDING_AVAILABILITY',
    hold:
      request === 'part'
        ? 'the buyer asked Amazon to cancel part of the order: decide in Seller Central, then release or cancel it here'
        : undefined,
  };
}

/** `whole`: the buyer asked to cancel every item, none shipped yet; `part`: some items only, or after a shipment. */
function buyerCancellation(items: readonly AmazonOrderItem[]): 'whole' | 'part' | null {
  const asked = items.filter((i) => i.cancellation?.cancellationRequest?.requester === 'BUYER');
  if (asked.length === 0) return null;
  const shipped = items.some((i) => (i.fulfillment?.quantityFulfilled ?? 0) > 0);
  return asked.length === items.length && !shipped ? 'whole' : 'part';
}

interface PricedItem {
  line: IncomingLine;
  shipping: { price: number; discount: number; tax: number };
  fees: { title: string; amount: number; tax: number }[];
}

const FEE_TITLES: Readonly<Record<string, string>> = {
  GIFT_WRAP: 'Gift wrap',
  COD_FEE: 'Cash on delivery fee',
  OTHER: 'Other charges',
};

function priceItem(item: AmazonOrderItem, index: number, amounts: Amounts): PricedItem {
  const path = `orderItems[${index}]`;
  const parts = new Breakdown(item.proceeds?.breakdowns ?? [], amounts, `${path}.proceeds.breakdowns`);
  const listed = item.product.price?.unitPrice;
  const unit = listed ? amounts.minor(listed, `${path}.product.price.unitPrice`) : undefined;
  const subtotal = parts.has('ITEM') ? parts.total('ITEM') : (unit ?? 0) * item.quantityOrdered;
  const code = amounts.code;
  const lineTax = parts.part('TAX', 'ITEM') + parts.part('TAX', 'DISCOUNT');
  const line: IncomingLine = {
    sku: (item.product.sellerSku ?? '').trim() as Sku,
    quantity: item.quantityOrdered,
    unitPrice: money(unit ?? Math.round(subtotal / item.quantityOrdered), code),
    channelLineId: item.orderItemId,
    title: present(item.product.title),
    charges: chargedLine(
      money(subtotal, code),
      money(Math.abs(parts.part('DISCOUNT', 'ITEM')), code),
      taxLines(lineTax, code),
      false,
    ),
  };
  return {
    line,
    shipping: {
      price: parts.total('SHIPPING'),
      discount: Math.abs(parts.part('DISCOUNT', 'SHIPPING')),
      tax: parts.part('TAX', 'SHIPPING'),
    },
    fees: Object.entries(FEE_TITLES).map(([type, title]) => ({
      title,
      amount: parts.total(type),
      tax: parts.part('TAX', type),
    })),
  };
}

function orderCharges(order: AmazonOrder, priced: readonly PricedItem[], amounts: Amounts): OrderCharges {
  const code = amounts.code;
  const sum = (pick: (p: PricedItem) => number) => priced.reduce((n, p) => n + pick(p), 0);
  const shippingPrice = sum((p) => p.shipping.price);
  const shippingDiscount = sum((p) => p.shipping.discount);
  const shipping =
    shippingPrice || shippingDiscount || sum((p) => p.shipping.tax)
      ? [
          {
            title: 'Shipping',
            price: money(shippingPrice, code),
            discount: money(shippingDiscount, code),
            taxes: taxLines(
              sum((p) => p.shipping.tax),
              code,
            ),
          },
        ]
      : [];
  const fees: FeeCharge[] = Object.values(FEE_TITLES).flatMap((title) => {
    const amount = sum((p) => p.fees.find((f) => f.title === title)!.amount);
    const tax = sum((p) => p.fees.find((f) => f.title === title)!.tax);
    return amount || tax ? [{ title, amount: money(amount, code), taxes: taxLines(tax, code) }] : [];
  });
  // Order-level proceeds that belong to no item: a delivery tip, charged on its own after checkout.
  const tips = (order.proceeds?.breakdowns ?? []).filter((b) => b.type === 'DELIVERY_TIP');
  tips.forEach((tip, i) =>
    fees.push({
      title: 'Delivery tip',
      amount: money(amounts.minor(tip.subtotal, `proceeds.breakdowns[${i}].subtotal`), code),
      taxes: [],
    }),
  );
  const parts = { taxesIncluded: false, shipping, fees };
  const figures = figuresOf(
    priced.map((p) => p.line.charges!),
    parts,
    code,
  );
  const grandTotal = order.proceeds?.grandTotal;
  return {
    ...parts,
    discounts: figures.discounts,
    taxTotal: figures.tax,
    total: grandTotal ? money(amounts.minor(grandTotal, 'proceeds.grandTotal'), code) : figures.total,
    presentment: null,
  };
}

function taxLines(amount: number, code: CurrencyCode): TaxLine[] {
  // Amazon states amounts, not rates: one tax line, rate unknown.
  return amount ? [{ title: 'Tax', rate: null, amount: money(amount, code) }] : [];
}

/** An item's proceeds breakdowns by type, and a TAX or DISCOUNT by subtype (all of it ITEM when not broken down). */
class Breakdown {
  constructor(
    private readonly entries: readonly AmazonItemBreakdown[],
    private readonly amounts: Amounts,
    private readonly path: string,
  ) {}

  has(type: string): boolean {
    return this.entries.some((e) => e.type === type);
  }

  total(type: string): number {
    return this.entries.reduce(
      (n, e, i) => (e.type === type ? n + this.amounts.minor(e.subtotal, `${this.path}[${i}].subtotal`) : n),
      0,
    );
  }

  part(type: 'TAX' | 'DISCOUNT', subtype: string): number {
    return this.entries.reduce((n, e, i) => {
      if (e.type !== type) return n;
      const details = e.detailedBreakdowns ?? [];
      if (details.length === 0)
        return subtype === 'ITEM' ? n + this.amounts.minor(e.subtotal, `${this.path}[${i}].subtotal`) : n;
      return details.reduce(
        (m, d, j) =>
          d.subtype === subtype && d.value
            ? m + this.amounts.minor(d.value, `${this.path}[${i}].detailedBreakdowns[${j}].value`)
            : m,
        n,
      );
    }, 0);
  }
}

/** Amazon's Money in the order's currency's minor units; another currency inside one order is refused, naming it. */
class Amounts {
  constructor(
    readonly code: CurrencyCode,
    private readonly orderId: string,
  ) {}

  minor(value: AmazonMoney, field: string): number {
    if (value.currencyCode !== this.code)
      throw new RangeError(
        `order ${this.orderId} ${field}: ${value.currencyCode}, in an order in ${this.code}`,
      );
    // A digit below the minor unit is not money anyone was charged: refused, naming the field, rather than rounded.
    return decimalToMinorUnits(value.amount, this.code, { field: `order ${this.orderId} ${field}.amount` });
  }
}

/** The currency Amazon charged in: the grand total's, else any item's, else the marketplace's (a pending order has no amounts yet). */
function orderCurrency(order: AmazonOrder): CurrencyCode {
  const found =
    order.proceeds?.grandTotal?.currencyCode ??
    order.orderItems
      .flatMap((i) => [
        i.proceeds?.proceedsTotal,
        i.product.price?.unitPrice,
        ...(i.proceeds?.breakdowns ?? []).map((b) => b.subtotal),
      ])
      .find((m): m is AmazonMoney => m !== undefined)?.currencyCode ??
    marketplaceCurrency(order.salesChannel.marketplaceId);
  if (!found)
    throw new RangeError(
      `order ${order.orderId} has no amount and its marketplace ${order.salesChannel.marketplaceId ?? '(none)'} is not one Waybill knows the currency of`,
    );
  return currency(found);
}

function present(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

function joined(parts: readonly (string | undefined)[]): string | undefined {
  return (
    parts
      .map((p) => p?.trim())
      .filter(Boolean)
      .join(', ') || undefined
  );
}
