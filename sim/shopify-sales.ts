/**
 * The simulated shop's orders as the Admin GraphQL API shows them, their payments and refunds, and the app's webhook
 * subscriptions. Written from shopify.dev, not from src/: the Order object (legacyResourceId, updatedAt,
 * displayFinancialStatus, lineItems with refundableQuantity and originalUnitPriceSet, refunds, suggestedRefund),
 * the `orders` query with `sortKey: UPDATED_AT` and the `updated_at` search filter, refundCreate with RefundInput
 * (refundLineItems with restockType, transactions with parentId and gateway, note, notify), the REST Refund
 * resource that the refunds/create webhook carries, and webhookSubscriptions with its `uri` field (2026-10).
 */
import { formatMinor, parseMinor } from './money.ts';
import type { ShopifyLineItem, ShopifyOrder } from './shopify.ts';
import {
  GraphqlError,
  gid,
  idOf,
  inputArray,
  MUTATION_COST,
  pageSize,
  connection,
  shopTime,
  type AdminOperation,
  type MoneyFormat,
} from './shopify-common.ts';

export interface SimTransaction {
  /** gid://shopify/OrderTransaction/… */
  id: string;
  kind: 'SALE' | 'REFUND';
  gateway: string;
  /** Minor units of the shop currency. */
  amount: number;
  parentId: string | null;
  createdAt: string;
}

export interface SimRefund {
  /** gid://shopify/Refund/… */
  id: string;
  orderId: number;
  note: string | null;
  notify: boolean;
  createdAt: string;
  lines: { lineItemId: number; quantity: number; restockType: string }[];
  transactions: SimTransaction[];
}

export interface SimWebhookSubscription {
  /** gid://shopify/WebhookSubscription/… */
  id: string;
  /** WebhookSubscriptionTopic, e.g. ORDERS_CREATE. */
  topic: string;
  uri: string;
}

interface BookEntry {
  order: ShopifyOrder;
  transactions: SimTransaction[];
  refunds: SimRefund[];
}

/** What the book needs of the shop around it. */
export interface SalesBookContext {
  currency: string;
  digits: number;
  money: MoneyFormat;
  nextId(): number;
}

/** The gateway of the simulated checkout's payments. */
const GATEWAY = 'shopify_payments';
const RESTOCK_TYPES = new Set(['NO_RESTOCK', 'CANCEL', 'RETURN']);
/** The topics an app that takes orders and refunds subscribes to. */
export const DEFAULT_WEBHOOK_TOPICS = [
  'ORDERS_CREATE',
  'ORDERS_UPDATED',
  'ORDERS_CANCELLED',
  'REFUNDS_CREATE',
];

function utc(shopTimeText: string): string {
  return new Date(shopTimeText).toISOString().replace('.000Z', 'Z');
}

/** A full order: what makeOrder builds and the orders/* webhooks carry, not the bare part recordOrder needs. */
export function isFullOrder(order: unknown): order is ShopifyOrder {
  const o = order as Partial<ShopifyOrder> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.created_at === 'string' &&
    typeof o.updated_at === 'string' &&
    typeof o.currency === 'string' &&
    Array.isArray(o.line_items)
  );
}

/** refunded of units, in proportion, half up, in integers only. */
function share(units: number, part: number, whole: number): number {
  return Math.floor((units * part * 2 + whole) / (2 * whole));
}

export class SalesBook {
  private readonly entries = new Map<number, BookEntry>();
  private readonly subscriptions: SimWebhookSubscription[] = [];
  /** Told of every refund made through the API (refundCreate): the shop's refunds/create webhook. */
  onApiRefund: (payload: unknown) => void = () => undefined;

  constructor(private readonly ctx: SalesBookContext) {}

  /** The newest version of an order wins, whatever order they are recorded in (a placed order gets its payment). */
  record(order: ShopifyOrder): void {
    const known = this.entries.get(order.id);
    if (known && Date.parse(known.order.updated_at) > Date.parse(order.updated_at)) return;
    const entry = known ?? { order, transactions: [], refunds: [] };
    entry.order = structuredClone(order);
    if (order.financial_status === 'paid' && !entry.transactions.some((t) => t.kind === 'SALE')) {
      const amount = parseMinor(order.total_price, this.ctx.digits);
      entry.transactions.push({
        id: gid('OrderTransaction', this.ctx.nextId()),
        kind: 'SALE',
        gateway: GATEWAY,
        amount,
        parentId: null,
        createdAt: utc(order.processed_at),
      });
    }
    this.entries.set(order.id, entry);
  }

  entry(orderGid: unknown): BookEntry | undefined {
    const id = idOf(orderGid, 'Order');
    return id === undefined ? undefined : this.entries.get(id);
  }

  /** The order as it stands now, refunds applied (updated_at, financial_status). A copy. */
  order(orderId: number): ShopifyOrder | undefined {
    const entry = this.entries.get(orderId);
    return entry && structuredClone(entry.order);
  }

  refunds(orderId: number): SimRefund[] {
    return structuredClone(this.entries.get(orderId)?.refunds ?? []);
  }

  /** Oldest change first, then by id: the `orders` connection with sortKey UPDATED_AT. */
  updatedSince(after: { time: number; inclusive: boolean } | null): BookEntry[] {
    const time = (e: BookEntry) => Date.parse(e.order.updated_at);
    return [...this.entries.values()]
      .filter((e) => !after || time(e) > after.time || (after.inclusive && time(e) === after.time))
      .sort((a, b) => time(a) - time(b) || a.order.id - b.order.id);
  }

  refundableQuantity(entry: BookEntry, line: ShopifyLineItem): number {
    const refunded = entry.refunds.flatMap((r) => r.lines).filter((l) => l.lineItemId === line.id);
    return line.quantity - refunded.reduce((sum, l) => sum + l.quantity, 0);
  }

  /** What is left to refund of a payment. */
  refundableOf(entry: BookEntry, sale: SimTransaction): number {
    const refunded = entry.refunds.flatMap((r) => r.transactions).filter((t) => t.parentId === sale.id);
    return sale.amount - refunded.reduce((sum, t) => sum + t.amount, 0);
  }

  /** The money of refunding these quantities: each line's share of its price less discounts, plus its tax. */
  suggestedAmount(entry: BookEntry, lines: readonly { lineItemId: number; quantity: number }[]): number {
    let amount = 0;
    for (const { lineItemId, quantity } of lines) {
      const line = entry.order.line_items.find((l) => l.id === lineItemId);
      if (!line) continue;
      const net =
        parseMinor(line.price, this.ctx.digits) * line.quantity -
        parseMinor(line.total_discount, this.ctx.digits);
      const tax = line.tax_lines.reduce((sum, t) => sum + parseMinor(t.price, this.ctx.digits), 0);
      amount += share(net + tax, quantity, line.quantity);
    }
    const sale = entry.transactions.find((t) => t.kind === 'SALE');
    return Math.min(amount, sale ? this.refundableOf(entry, sale) : 0);
  }

  /** Records a checked refund; the order moves on as Shopify's does (financial status, updated_at). */
  refund(entry: BookEntry, refund: Omit<SimRefund, 'id' | 'orderId' | 'createdAt'>): SimRefund {
    const createdAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const made: SimRefund = {
      ...refund,
      id: gid('Refund', this.ctx.nextId()),
      orderId: entry.order.id,
      createdAt,
    };
    entry.refunds.push(made);
    const sale = entry.transactions.find((t) => t.kind === 'SALE');
    if (sale)
      entry.order.financial_status = this.refundableOf(entry, sale) === 0 ? 'refunded' : 'partially_refunded';
    entry.order.updated_at = shopTime(Math.max(Date.now(), Date.parse(entry.order.updated_at) + 1_000));
    return made;
  }

  /** The REST Refund resource, as the refunds/create webhook carries it. */
  refundPayload(entry: BookEntry, refund: SimRefund) {
    const m = this.ctx.money;
    const numeric = (gidText: string) => Number(gidText.split('/').pop());
    return {
      id: numeric(refund.id),
      admin_graphql_api_id: refund.id,
      order_id: entry.order.id,
      created_at: shopTime(Date.parse(refund.createdAt)),
      processed_at: shopTime(Date.parse(refund.createdAt)),
      note: refund.note,
      restock: false,
      user_id: null,
      refund_line_items: refund.lines.map((l) => {
        const line = entry.order.line_items.find((li) => li.id === l.lineItemId);
        const subtotal = line
          ? share(
              parseMinor(line.price, this.ctx.digits) * line.quantity -
                parseMinor(line.total_discount, this.ctx.digits),
              l.quantity,
              line.quantity,
            )
          : 0;
        return {
          id: this.ctx.nextId(),
          line_item_id: l.lineItemId,
          quantity: l.quantity,
          restock_type: l.restockType.toLowerCase(),
          location_id: null,
          subtotal: m.text(subtotal),
          subtotal_set: m.set(subtotal),
          line_item: line,
        };
      }),
      transactions: refund.transactions.map((t) => ({
        id: numeric(t.id),
        admin_graphql_api_id: t.id,
        order_id: entry.order.id,
        kind: 'refund',
        status: 'success',
        gateway: t.gateway,
        amount: m.text(t.amount),
        currency: this.ctx.currency,
        parent_id: t.parentId === null ? null : numeric(t.parentId),
        created_at: shopTime(Date.parse(t.createdAt)),
        test: false,
      })),
      order_adjustments: [],
      duties: [],
    };
  }

  // --- webhook subscriptions ---

  subscribe(topic: string, uri: string): SimWebhookSubscription {
    const subscription = { id: gid('WebhookSubscription', this.ctx.nextId()), topic, uri };
    this.subscriptions.push(subscription);
    return { ...subscription };
  }

  /** Shopify removes a subscription whose deliveries keep failing; the merchant or app may remove one too. */
  unsubscribe(topic: string): void {
    for (let i = this.subscriptions.length - 1; i >= 0; i--)
      if (this.subscriptions[i]?.topic === topic) this.subscriptions.splice(i, 1);
  }

  moveSubscriptions(from: string, to: string): void {
    for (const s of this.subscriptions) if (s.uri === from) s.uri = to;
  }

  webhookSubscriptions(): SimWebhookSubscription[] {
    return this.subscriptions.map((s) => ({ ...s }));
  }
}

// --- GraphQL shapes ---------------------------------------------------------------------------------------------

function moneyBag(book: SalesBookContext, units: number) {
  const money = { amount: formatMinor(units, book.digits), currencyCode: book.currency };
  return { shopMoney: money, presentmentMoney: money };
}

function lineItemNode(book: SalesBook, ctx: SalesBookContext, entry: BookEntry, line: ShopifyLineItem) {
  return {
    id: line.admin_graphql_api_id,
    sku: line.sku,
    title: line.title,
    quantity: line.quantity,
    // No order edits here: what is left of each line is all of it.
    currentQuantity: line.quantity,
    requiresShipping: line.requires_shipping,
    refundableQuantity: book.refundableQuantity(entry, line),
    originalUnitPriceSet: moneyBag(ctx, parseMinor(line.price, ctx.digits)),
    discountAllocations: line.discount_allocations.map((a) => ({
      allocatedAmountSet: moneyBag(ctx, parseMinor(a.amount, ctx.digits)),
    })),
    taxLines: line.tax_lines.map((t) => taxLineNode(ctx, t)),
  };
}

/** TaxLine: `rate` a Float, as the REST tax line's. */
function taxLineNode(ctx: SalesBookContext, tax: ShopifyOrder['tax_lines'][number]) {
  return { title: tax.title, rate: tax.rate, priceSet: moneyBag(ctx, parseMinor(tax.price, ctx.digits)) };
}

/** The order's figures as MoneyBags (shop and presentment money, the same currency in this simulator). */
function orderMoneyNodes(ctx: SalesBookContext, o: ShopifyOrder) {
  const bag = (text: string | undefined) => moneyBag(ctx, parseMinor(text ?? '0', ctx.digits));
  return {
    presentmentCurrencyCode: o.presentment_currency,
    taxesIncluded: o.taxes_included,
    totalPriceSet: bag(o.total_price),
    totalDiscountsSet: bag(o.total_discounts),
    totalTaxSet: bag(o.total_tax),
    totalTipReceivedSet: bag('0'),
    // No edits, refunds before the poll, duties or import fees in this simulator's orders.
    currentTotalPriceSet: bag(o.total_price),
    currentTotalDiscountsSet: bag(o.total_discounts),
    currentTotalTaxSet: bag(o.total_tax),
    dutiesIncluded: false,
    originalTotalDutiesSet: null,
    originalTotalAdditionalFeesSet: null,
    shippingLines: {
      nodes: o.shipping_lines.map((s) => ({
        title: s.title,
        originalPriceSet: bag(s.price),
        discountAllocations: s.discount_allocations.map((a) => ({ allocatedAmountSet: bag(a.amount) })),
        taxLines: s.tax_lines.map((t) => taxLineNode(ctx, t)),
      })),
    },
  };
}

function orderNode(book: SalesBook, ctx: SalesBookContext, entry: BookEntry, linesFirst: number) {
  const o = entry.order;
  const c = o.customer;
  const a = o.shipping_address;
  return {
    id: o.admin_graphql_api_id,
    legacyResourceId: String(o.id),
    name: o.name,
    email: o.email,
    createdAt: utc(o.created_at),
    updatedAt: utc(o.updated_at),
    cancelledAt: o.cancelled_at ? utc(o.cancelled_at) : null,
    displayFinancialStatus: o.financial_status.toUpperCase(),
    currencyCode: o.currency,
    test: o.test,
    ...orderMoneyNodes(ctx, o),
    customer: c
      ? {
          firstName: c.first_name,
          lastName: c.last_name,
          defaultPhoneNumber: c.phone ? { phoneNumber: c.phone } : null,
          defaultEmailAddress: { emailAddress: c.email },
        }
      : null,
    shippingAddress: a
      ? {
          name: a.name,
          firstName: a.first_name,
          lastName: a.last_name,
          address1: a.address1,
          address2: a.address2,
          city: a.city,
          provinceCode: a.province_code,
          zip: a.zip,
          countryCodeV2: a.country_code,
          phone: a.phone,
        }
      : null,
    lineItems: connection(
      o.line_items.map((l) => lineItemNode(book, ctx, entry, l)),
      linesFirst,
      null,
    ),
  };
}

const UPDATED_AT = /^updated_at:(>=?)(?:'([^']*)'|"([^"]*)"|(\S+))$/;

/** The `orders` search this simulator takes: nothing, or one updated_at:> / >= term. Anything else fails loudly. */
function updatedAtFilter(query: unknown): { time: number; inclusive: boolean } | null {
  if (query === undefined || query === null || query === '') return null;
  const match = typeof query === 'string' ? UPDATED_AT.exec(query.trim()) : null;
  const time = match ? Date.parse(match[2] ?? match[3] ?? match[4] ?? '') : Number.NaN;
  if (!match || Number.isNaN(time))
    throw new GraphqlError(
      `The Shopify simulator searches orders by one updated_at:>'<ISO time>' term, not "${String(query)}"`,
    );
  return { time, inclusive: match[1] === '>=' };
}

/** Order cursors carry the sort key, as Shopify's do: an order that changes between pages moves, the others do not. */
function orderCursor(entry: BookEntry): string {
  return Buffer.from(JSON.stringify([Date.parse(entry.order.updated_at), entry.order.id])).toString('base64');
}

function afterCursor(entries: readonly BookEntry[], after: unknown): BookEntry[] {
  if (after === undefined || after === null) return [...entries];
  let key: unknown;
  try {
    key = typeof after === 'string' ? JSON.parse(Buffer.from(after, 'base64').toString()) : undefined;
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== 2)
    throw new GraphqlError(`Invalid cursor for the after argument: ${String(after)}`);
  const [time, id] = key as [number, number];
  return entries.filter(
    (e) =>
      Date.parse(e.order.updated_at) > time || (Date.parse(e.order.updated_at) === time && e.order.id > id),
  );
}

/** Costs per node of the documents Waybill sends (an object 1, a connection 2 + first × one node). */
const NODE_COST = { order: 4, lineItem: 3, refund: 1, subscription: 1 } as const;

export interface SalesOffice {
  sales: SalesBook;
  salesContext: SalesBookContext;
}

export function salesOperations<O extends SalesOffice>(): Record<string, AdminOperation<O>> {
  const operations = orderOperations<O>();
  // The same line items, selected for a refund (id, sku, refundableQuantity): the answer holds every field of both.
  return { ...operations, WaybillRefundableLineItems: operations.WaybillOrderLineItems as AdminOperation<O> };
}

function orderOperations<O extends SalesOffice>(): Record<string, AdminOperation<O>> {
  return {
    /** orders(first, after, sortKey: UPDATED_AT, query) { … lineItems(first: $linesFirst) { … } } */
    WaybillOrdersUpdatedSince: {
      requestedCost: (v) =>
        2 + pageSize(v, 'first') * (NODE_COST.order + 2 + pageSize(v, 'linesFirst') * NODE_COST.lineItem),
      run: (office, v) => {
        const all = afterCursor(office.sales.updatedSince(updatedAtFilter(v.query)), v.after);
        const first = pageSize(v, 'first');
        const page = all.slice(0, first);
        const nodes = page.map((e) =>
          orderNode(office.sales, office.salesContext, e, pageSize(v, 'linesFirst')),
        );
        const last = page[page.length - 1];
        const lines = nodes.reduce((sum, n) => sum + n.lineItems.nodes.length, 0);
        return {
          data: {
            orders: {
              pageInfo: { hasNextPage: all.length > first, endCursor: last ? orderCursor(last) : null },
              nodes,
            },
          },
          actualCost: 2 + nodes.length * (NODE_COST.order + 2) + lines * NODE_COST.lineItem,
          userErrors: false,
        };
      },
    },
    /** order(id) { lineItems(first, after) { … } } */
    WaybillOrderLineItems: {
      requestedCost: (v) => 3 + pageSize(v, 'first') * NODE_COST.lineItem,
      run: (office, v) => {
        const entry = office.sales.entry(v.orderId);
        if (!entry) return { data: { order: null }, actualCost: 1, userErrors: false };
        const all = entry.order.line_items.map((l) =>
          lineItemNode(office.sales, office.salesContext, entry, l),
        );
        const lineItems = connection(all, pageSize(v, 'first'), v.after);
        return {
          data: { order: { id: v.orderId, lineItems } },
          actualCost: 3 + lineItems.nodes.length * NODE_COST.lineItem,
          userErrors: false,
        };
      },
    },
    /** order(id) { id currencyCode refunds(first) { id note createdAt } lineItems(first: $linesFirst) { … } } */
    WaybillOrderRefunds: {
      requestedCost: (v) =>
        5 + pageSize(v, 'refundsFirst') * NODE_COST.refund + pageSize(v, 'linesFirst') * NODE_COST.lineItem,
      run: (office, v) => {
        const entry = office.sales.entry(v.orderId);
        if (!entry) return { data: { order: null }, actualCost: 1, userErrors: false };
        const refunds = entry.refunds
          .slice(0, pageSize(v, 'refundsFirst'))
          .map((r) => ({ id: r.id, note: r.note, createdAt: r.createdAt }));
        const all = entry.order.line_items.map((l) =>
          lineItemNode(office.sales, office.salesContext, entry, l),
        );
        const lineItems = connection(all, pageSize(v, 'linesFirst'), null);
        const order = { id: v.orderId, currencyCode: entry.order.currency, refunds, lineItems };
        return {
          data: { order },
          actualCost: 5 + refunds.length + lineItems.nodes.length * NODE_COST.lineItem,
          userErrors: false,
        };
      },
    },
    /** order(id) { suggestedRefund(refundLineItems, refundShipping: false) { amountSet … suggestedTransactions … } } */
    WaybillSuggestedRefund: {
      requestedCost: () => 10,
      run: (office, v) => {
        const entry = office.sales.entry(v.orderId);
        if (!entry) return { data: { order: null }, actualCost: 1, userErrors: false };
        const lines = readLines(office.sales, entry, v.refundLineItems, 'refundLineItems');
        const amount = office.sales.suggestedAmount(entry, lines);
        const sale = entry.transactions.find((t) => t.kind === 'SALE');
        const suggestedTransactions =
          sale && amount > 0
            ? [
                {
                  gateway: sale.gateway,
                  kind: 'SUGGESTED_REFUND',
                  amountSet: moneyBag(office.salesContext, amount),
                  parentTransaction: { id: sale.id, kind: sale.kind },
                },
              ]
            : [];
        const suggestedRefund = { amountSet: moneyBag(office.salesContext, amount), suggestedTransactions };
        return { data: { order: { id: v.orderId, suggestedRefund } }, actualCost: 10, userErrors: false };
      },
    },
    /** refundCreate(input: RefundInput!) { refund { id note } userErrors { field message } } */
    WaybillRefundCreate: {
      requestedCost: () => MUTATION_COST,
      userErrorRoot: 'refundCreate',
      run: (office, v) => {
        const checked = checkRefund(office.sales, office.salesContext, v.input);
        if ('userErrors' in checked) {
          return {
            data: { refundCreate: { refund: null, userErrors: checked.userErrors } },
            actualCost: MUTATION_COST,
            userErrors: true,
          };
        }
        const made = office.sales.refund(checked.entry, checked.refund);
        office.sales.onApiRefund(office.sales.refundPayload(checked.entry, made));
        return {
          data: { refundCreate: { refund: { id: made.id, note: made.note }, userErrors: [] } },
          actualCost: MUTATION_COST,
          userErrors: false,
        };
      },
    },
    /** webhookSubscriptions(first, after, topics) { pageInfo … nodes { id topic uri } } */
    WaybillWebhookSubscriptions: {
      requestedCost: (v) => 2 + pageSize(v, 'first') * NODE_COST.subscription,
      run: (office, v) => {
        const topics =
          v.topics === undefined || v.topics === null
            ? null
            : inputArray(
                v.topics,
                'Variable $topics of type [WebhookSubscriptionTopic!] was provided invalid value',
              );
        const all = office.sales.webhookSubscriptions().filter((s) => !topics || topics.includes(s.topic));
        // endpoint is deprecated in favour of uri, and still answered for clients that ask for it.
        const nodes = all.map((s) => ({
          ...s,
          endpoint: { __typename: 'WebhookHttpEndpoint', callbackUrl: s.uri },
        }));
        const page = connection(nodes, pageSize(v, 'first'), v.after);
        return {
          data: { webhookSubscriptions: page },
          actualCost: 2 + page.nodes.length * NODE_COST.subscription,
          userErrors: false,
        };
      },
    },
  };
}

const INVALID_REFUND = 'Variable $input of type RefundInput! was provided invalid value';

/** refundLineItems as GraphQL coerces them; quantities beyond what is refundable are refused. */
function readLines(
  book: SalesBook,
  entry: BookEntry,
  value: unknown,
  name: string,
): { lineItemId: number; quantity: number; restockType: string }[] {
  return inputArray(value ?? [], `Variable $${name} was provided invalid value`).map((raw, i) => {
    const line = raw as Record<string, unknown> | null;
    const lineItemId = idOf(line?.lineItemId, 'LineItem');
    if (
      !line ||
      lineItemId === undefined ||
      !Number.isInteger(line.quantity) ||
      (line.quantity as number) < 1
    ) {
      throw new GraphqlError(`Variable $${name} was provided invalid value at ${i}`);
    }
    const restockType = typeof line.restockType === 'string' ? line.restockType : 'NO_RESTOCK';
    if (!RESTOCK_TYPES.has(restockType))
      throw new GraphqlError(`Variable $${name} was provided invalid value at ${i}.restockType`);
    const item = entry.order.line_items.find((l) => l.id === lineItemId);
    if (item && (line.quantity as number) > book.refundableQuantity(entry, item)) {
      throw new GraphqlError(
        `Line item ${lineItemId} has ${book.refundableQuantity(entry, item)} refundable, not ${String(line.quantity)}`,
      );
    }
    return { lineItemId, quantity: line.quantity as number, restockType };
  });
}

interface UserError {
  field: string[] | null;
  message: string;
}

type CheckedRefund =
  { entry: BookEntry; refund: Omit<SimRefund, 'id' | 'orderId' | 'createdAt'> } | { userErrors: UserError[] };

/** Shopify's rules for a refund: lines of this order within what is refundable, money back to this order's payments. */
function checkRefund(book: SalesBook, ctx: SalesBookContext, input: unknown): CheckedRefund {
  if (typeof input !== 'object' || input === null) throw new GraphqlError(INVALID_REFUND);
  const given = input as Record<string, unknown>;
  const entry = book.entry(given.orderId);
  if (!entry) return { userErrors: [{ field: ['orderId'], message: 'Order does not exist' }] };
  const errors: UserError[] = [];
  const lines = inputArray(given.refundLineItems ?? [], INVALID_REFUND).map((raw, i) => {
    const line = raw as Record<string, unknown>;
    const lineItemId = idOf(line.lineItemId, 'LineItem');
    const restockType = typeof line.restockType === 'string' ? line.restockType : 'NO_RESTOCK';
    if (!RESTOCK_TYPES.has(restockType) || !Number.isInteger(line.quantity))
      throw new GraphqlError(INVALID_REFUND);
    const item = entry.order.line_items.find((l) => l.id === lineItemId);
    if (!item)
      errors.push({
        field: ['refundLineItems', String(i), 'lineItemId'],
        message: 'Line item does not exist',
      });
    else if ((line.quantity as number) > book.refundableQuantity(entry, item)) {
      errors.push({
        field: ['refundLineItems', String(i), 'quantity'],
        message: 'Quantity cannot refund more items than were purchased',
      });
    }
    return { lineItemId: lineItemId ?? 0, quantity: line.quantity as number, restockType };
  });
  const transactions = inputArray(given.transactions ?? [], INVALID_REFUND).map((raw, i) =>
    checkTransaction(book, ctx, entry, raw, i, errors),
  );
  if (
    given.currency !== undefined &&
    given.currency !== null &&
    given.currency !== entry.order.presentment_currency
  ) {
    errors.push({ field: ['currency'], message: 'Currency must be the presentment currency of the order' });
  }
  if (errors.length > 0) return { userErrors: errors };
  const note = typeof given.note === 'string' ? given.note : null;
  return { entry, refund: { note, notify: given.notify === true, lines, transactions } };
}

function checkTransaction(
  book: SalesBook,
  ctx: SalesBookContext,
  entry: BookEntry,
  raw: unknown,
  i: number,
  errors: UserError[],
): SimTransaction {
  const t = raw as Record<string, unknown>;
  if (typeof t.amount !== 'string' || typeof t.gateway !== 'string' || typeof t.kind !== 'string')
    throw new GraphqlError(INVALID_REFUND);
  const field = (name: string) => ['transactions', String(i), name];
  const parent = entry.transactions.find((p) => p.id === t.parentId);
  const amount = parseMinor(t.amount, ctx.digits);
  if (t.kind !== 'REFUND') errors.push({ field: field('kind'), message: 'Kind must be refund' });
  if (t.orderId !== entry.order.admin_graphql_api_id)
    errors.push({ field: field('orderId'), message: 'Transaction must belong to the order' });
  if (!parent) errors.push({ field: field('parentId'), message: 'Parent transaction does not exist' });
  else if (parent.gateway !== t.gateway)
    errors.push({
      field: field('gateway'),
      message: 'Gateway must be the gateway of the parent transaction',
    });
  else if (amount > book.refundableOf(entry, parent))
    errors.push({
      field: field('amount'),
      message: 'Amount exceeds the refundable amount of the parent transaction',
    });
  const createdAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    id: gid('OrderTransaction', ctx.nextId()),
    kind: 'REFUND',
    gateway: t.gateway,
    amount,
    parentId: parent?.id ?? null,
    createdAt,
  };
}

/** A refund the merchant makes in Shopify's admin: the suggested money back to the payment, nothing restocked. */
export function adminRefund(
  book: SalesBook,
  ctx: SalesBookContext,
  orderId: number,
  lines: readonly { sku: string; quantity: number }[],
  note: string | null,
): unknown {
  const entry = book.entry(gid('Order', orderId));
  if (!entry) throw new RangeError(`the shop has no order ${orderId}`);
  const refundLines = lines.map(({ sku, quantity }) => {
    const line = entry.order.line_items.find(
      (l) => l.sku === sku && book.refundableQuantity(entry, l) >= quantity,
    );
    if (!line) throw new RangeError(`order ${orderId} has no line of ${sku} with ${quantity} refundable`);
    return { lineItemId: line.id, quantity, restockType: 'NO_RESTOCK' };
  });
  const amount = book.suggestedAmount(entry, refundLines);
  const sale = entry.transactions.find((t) => t.kind === 'SALE');
  const createdAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const transactions: SimTransaction[] =
    sale && amount > 0
      ? [
          {
            id: gid('OrderTransaction', ctx.nextId()),
            kind: 'REFUND',
            gateway: sale.gateway,
            amount,
            parentId: sale.id,
            createdAt,
          },
        ]
      : [];
  return book.refundPayload(
    entry,
    book.refund(entry, { note, notify: true, lines: refundLines, transactions }),
  );
}
