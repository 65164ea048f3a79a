/**
 * The simulated Amazon's orders: what it keeps of each merchant-fulfilled order, how it makes them from the shared
 * generator (./order-generator.ts: buyer, quantities, discount, each line's money in minor units), and how it writes
 * one as an Orders API v2026-01-01 `Order` (./contracts/amazon/orders_2026-01-01.json) with the datasets asked for.
 * Money goes out as Amazon's Money (a decimal string and its currency); an item's proceeds are its breakdowns
 * summed, a DISCOUNT counted negative, as the model's examples add up. Demo and test use only.
 */
import { formatMinor, ofBasisPoints, parseMinor } from './money.ts';
import {
  draftOrder,
  lineOrdinal,
  orderOrdinal,
  US_DESTINATIONS,
  drawBuyer,
  type GeneratorContext,
  type UsDestination,
} from './order-generator.ts';
import { deriveSeed } from './shared.ts';

export type SimFulfillmentStatus =
  'PENDING_AVAILABILITY' | 'PENDING' | 'UNSHIPPED' | 'PARTIALLY_SHIPPED' | 'SHIPPED' | 'CANCELLED';

export interface SimOrderItem {
  orderItemId: string;
  sku: string;
  title: string;
  asin: string;
  quantity: number;
  /** Minor units: the unit price, the line before and after its discount, its tax, and its share of shipping. */
  unit: number;
  gross: number;
  discount: number;
  tax: number;
  shipping: number;
  shippingTax: number;
  quantityFulfilled: number;
  /** The buyer's reason, once the buyer asked Amazon to cancel. */
  buyerCancelReason: string | null;
}

export interface SimPackage {
  packageReferenceId: string;
  carrier: string;
  shippingService?: string;
  trackingNumber: string;
  shipTime: string;
  items: { orderItemId: string; quantity: number }[];
}

export interface SimOrder {
  orderId: string;
  marketplaceId: string;
  currency: string;
  digits: number;
  createdMs: number;
  updatedMs: number;
  status: SimFulfillmentStatus;
  buyer: { name: string; email: string };
  address: {
    name: string;
    addressLine1: string;
    addressLine2?: string;
    city: string;
    stateOrRegion: string;
    postalCode: string;
    countryCode: string;
    phone: string;
  };
  items: SimOrderItem[];
  packages: SimPackage[];
}

export interface SimItemInput {
  sku: string;
  /** The unit price as a decimal string in the currency's digits ("12.99"). */
  price: string;
  title?: string;
}

export interface MakeOrderOptions {
  quantities?: number[];
  status?: SimFulfillmentStatus;
  /** The order's shipping charge ("4.99"), on its first item; drawn (free or 4.99) when not given. */
  shipping?: string;
  /** The buyer has asked Amazon to cancel every item. */
  buyerCancel?: boolean;
}

const FIRST = ['Ava', 'Noah', 'Mia', 'Liam', 'Zoë', 'Lucas', 'Emma', 'Mateo', 'Chloé', 'Ethan'];
const LAST = [
  'Garcia',
  'Nguyen',
  'Smith',
  'Müller',
  'Okafor',
  'Rossi',
  'Kowalski',
  'Tanaka',
  'Silva',
  'Brown',
];
/** Amazon's promotions here take 10 % off (an Amazon coupon, a seller's percentage-off promotion). */
const PROMOTION_BP = 1_000;

/** Order i of this run: the same every time for the same seed and run slot. */
export function makeSimOrder(
  store: GeneratorContext,
  marketplaceId: string,
  i: number,
  items: readonly SimItemInput[],
  options: MakeOrderOptions = {},
): SimOrder {
  const draft = draftOrder(
    store,
    { i, items, ...(options.quantities ? { quantities: options.quantities } : {}) },
    {
      pickBuyer: (random) => drawBuyer<UsDestination>(random, { first: FIRST, last: LAST }, US_DESTINATIONS),
      discountBp: PROMOTION_BP,
    },
  );
  const { buyer } = draft;
  const taxBp = buyer.destination.taxBp;
  const shipping =
    options.shipping === undefined
      ? draft.random() < 0.5
        ? parseMinor('4.99', store.digits)
        : 0
      : parseMinor(options.shipping, store.digits);
  const ordinal = orderOrdinal(store, i);
  const name = `${buyer.first} ${buyer.last}`;
  return {
    orderId: `${111 + (store.runSlot % 888)}-${String(i).padStart(7, '0')}-${String(deriveSeed(store.seed, ordinal) % 10_000_000).padStart(7, '0')}`,
    marketplaceId,
    currency: store.currency,
    digits: store.digits,
    createdMs: draft.createdMs,
    updatedMs: draft.createdMs,
    status: options.status ?? 'UNSHIPPED',
    buyer: { name, email: `${String(ordinal).padStart(12, '0')}@marketplace.amazon.com` },
    address: {
      name,
      addressLine1: buyer.destination.street,
      ...(buyer.apartment ? { addressLine2: buyer.apartment } : {}),
      city: buyer.destination.city,
      stateOrRegion: buyer.destination.stateCode,
      postalCode: buyer.destination.zip,
      countryCode: 'US',
      phone: `+1 206-555-${buyer.phoneLine}`,
    },
    items: draft.lines.map((line, index) => {
      const shippingShare = index === 0 ? shipping : 0;
      return {
        orderItemId: String(lineOrdinal(store, i, index)).padStart(14, '0'),
        sku: line.item.sku,
        title: line.item.title ?? line.item.sku,
        asin: `B0${String(deriveSeed(store.seed, line.item.sku) % 100_000_000).padStart(8, '0')}`,
        quantity: line.quantity,
        unit: line.unit,
        gross: line.gross,
        discount: line.discount,
        tax: line.tax,
        shipping: shippingShare,
        shippingTax: ofBasisPoints(shippingShare, taxBp),
        quantityFulfilled: 0,
        buyerCancelReason: options.buyerCancel ? 'No longer needed' : null,
      };
    }),
    packages: [],
  };
}

/** The datasets of includedData that change what an order shows. */
export type Dataset = 'BUYER' | 'RECIPIENT' | 'PROCEEDS' | 'CANCELLATION' | 'FULFILLMENT' | 'PACKAGES';

/** The order as searchOrders and getOrder write it, with the datasets asked for (items always). */
export function renderOrder(order: SimOrder, datasets: ReadonlySet<string>): Record<string, unknown> {
  const amount = (units: number) => ({
    amount: formatMinor(units, order.digits),
    currencyCode: order.currency,
  });
  const rendered: Record<string, unknown> = {
    orderId: order.orderId,
    createdTime: new Date(order.createdMs).toISOString(),
    lastUpdatedTime: new Date(order.updatedMs).toISOString(),
    programs: [],
    salesChannel: {
      channelName: 'AMAZON',
      marketplaceId: order.marketplaceId,
      marketplaceName: 'Amazon.com',
    },
    orderItems: order.items.map((item) => renderItem(item, datasets, amount)),
  };
  if (datasets.has('BUYER')) rendered.buyer = { buyerName: order.buyer.name, buyerEmail: order.buyer.email };
  if (datasets.has('RECIPIENT'))
    rendered.recipient = { deliveryAddress: { ...order.address, addressType: 'RESIDENTIAL' } };
  if (datasets.has('PROCEEDS')) rendered.proceeds = orderProceeds(order, amount);
  if (datasets.has('FULFILLMENT'))
    rendered.fulfillment = {
      fulfillmentStatus: order.status,
      fulfilledBy: 'MERCHANT',
      fulfillmentServiceLevel: 'STANDARD',
    };
  if (datasets.has('PACKAGES'))
    rendered.packages = order.packages.map((p) => ({
      packageReferenceId: p.packageReferenceId,
      createdTime: p.shipTime,
      packageStatus: { status: 'SHIPPED' },
      carrier: p.carrier,
      shipTime: p.shipTime,
      ...(p.shippingService ? { shippingService: p.shippingService } : {}),
      trackingNumber: p.trackingNumber,
      packageItems: p.items,
    }));
  return rendered;
}

type Amount = (units: number) => { amount: string; currencyCode: string };

function renderItem(
  item: SimOrderItem,
  datasets: ReadonlySet<string>,
  amount: Amount,
): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    orderItemId: item.orderItemId,
    quantityOrdered: item.quantity,
    programs: [],
    product: {
      asin: item.asin,
      title: item.title,
      sellerSku: item.sku,
      condition: { conditionType: 'NEW', conditionSubtype: 'NEW' },
      price: { unitPrice: amount(item.unit) },
    },
  };
  if (datasets.has('PROCEEDS')) {
    const breakdowns = itemBreakdowns(item, amount);
    rendered.proceeds = { proceedsTotal: amount(itemTotal(item)), breakdowns };
  }
  if (datasets.has('CANCELLATION') && item.buyerCancelReason)
    rendered.cancellation = {
      cancellationRequest: { requester: 'BUYER', cancelReason: item.buyerCancelReason },
    };
  if (datasets.has('FULFILLMENT'))
    rendered.fulfillment = {
      quantityFulfilled: item.quantityFulfilled,
      quantityUnfulfilled: item.quantity - item.quantityFulfilled,
    };
  return rendered;
}

export function itemTotal(item: SimOrderItem): number {
  return item.gross + item.shipping - item.discount + item.tax + item.shippingTax;
}

function itemBreakdowns(item: SimOrderItem, amount: Amount): Record<string, unknown>[] {
  const breakdowns: Record<string, unknown>[] = [{ type: 'ITEM', subtotal: amount(item.gross) }];
  if (item.shipping) breakdowns.push({ type: 'SHIPPING', subtotal: amount(item.shipping) });
  const taxes = [
    ['ITEM', item.tax],
    ['SHIPPING', item.shippingTax],
  ].filter(([, units]) => units !== 0) as [string, number][];
  if (taxes.length)
    breakdowns.push({
      type: 'TAX',
      subtotal: amount(item.tax + item.shippingTax),
      detailedBreakdowns: taxes.map(([subtype, units]) => ({ subtype, value: amount(units) })),
    });
  if (item.discount)
    breakdowns.push({
      type: 'DISCOUNT',
      subtotal: amount(-item.discount),
      detailedBreakdowns: [{ subtype: 'ITEM', value: amount(-item.discount) }],
    });
  return breakdowns;
}

function orderProceeds(order: SimOrder, amount: Amount): Record<string, unknown> {
  const sum = (pick: (item: SimOrderItem) => number) => order.items.reduce((n, item) => n + pick(item), 0);
  const breakdowns = [
    { type: 'ITEM', subtotal: amount(sum((i) => i.gross)) },
    ...(sum((i) => i.shipping) ? [{ type: 'SHIPPING', subtotal: amount(sum((i) => i.shipping)) }] : []),
    ...(sum((i) => i.tax + i.shippingTax)
      ? [{ type: 'TAX', subtotal: amount(sum((i) => i.tax + i.shippingTax)) }]
      : []),
    ...(sum((i) => i.discount) ? [{ type: 'DISCOUNT', subtotal: amount(-sum((i) => i.discount)) }] : []),
  ];
  return { grandTotal: amount(sum(itemTotal)), breakdowns };
}
