import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { InputError, NotFoundError } from '../../app/errors.ts';
import { takeOrder } from '../../app/take-order.ts';
import { orderReceipt, orderView, storedOrderReceipt } from '../../app/views.ts';
import { chargedLine, figuresOf } from '../../domain/charges.ts';
import type { ChannelId, Sku } from '../../domain/ids.ts';
import type { IncomingOrder } from '../../domain/order.ts';
import { currency, money } from '../../domain/money.ts';
import { TtlCache } from '../../infra/ttl-cache.ts';
import { findChannel } from '../../store/partners.repo.ts';
import { listOrderSummaries } from '../../store/views-orders.repo.ts';
import {
  dayOrInstant,
  errorResponses,
  orderInput,
  orderOut,
  orderReceiptOut,
  orderSummaryOut,
} from '../schemas.ts';
import type { Guards } from '../server.ts';
import { orderMachine } from '../../domain/order.machine.ts';

const orderListQuery = z.object({
  state: z.enum(orderMachine.states).optional(),
  channelId: z.string().optional(),
  supplierId: z.string().optional().describe('orders with a line or a purchase order at this supplier'),
  q: z
    .string()
    .max(200)
    .optional()
    .describe('search: external id, PO number, customer email or name, SKU (see the description)'),
  from: dayOrInstant.optional().describe('placed at or after: 2026-01-31 (UTC) or 2026-01-31T09:00:00Z'),
  to: dayOrInstant
    .optional()
    .describe('placed before this day (UTC; the day excluded), or at or before this instant'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().optional().describe('cursor: the `next` of the previous page (an order id)'),
});

/** A day's start (UTC), or the instant given, in epoch ms. */
function startOf(bound: string): number {
  return Date.parse(isDay(bound) ? `${bound}T00:00:00Z` : bound);
}

/** The exclusive end of a `to`: a day's start (the day excluded), or just after the instant given (it included). */
function endOf(bound: string): number {
  return isDay(bound) ? Date.parse(`${bound}T00:00:00Z`) : Date.parse(bound) + 1;
}

function isDay(bound: string): boolean {
  return bound.length === 10;
}

export function orderRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  const refuse = moneyItCannotHold(ctx);
  return async (app) => {
    app.post(
      '/api/v1/channels/:channelId/orders',
      {
        onRequest: guard.write,
        schema: {
          tags: ['orders'],
          summary: 'Take in an order from the generic storefront channel',
          description:
            "Idempotent on the channel and externalId: a repeat answers 200 with the order and creates nothing. 201 means the order is durably stored. The Location header is the full view. 422 when `currency` is not the channel's, or when a line's unitPrice × quantity, or the order's total, is more than 2^53 − 1 minor units.",
          params: z.object({ channelId: z.string() }),
          body: orderInput,
          response: { 200: orderReceiptOut, 201: orderReceiptOut, ...errorResponses },
        },
      },
      async (request, reply) => {
        await refuse(request.params.channelId, request.body);
        const result = await takeOrder(
          ctx,
          orderFrom(request.params.channelId as ChannelId, request.body, ctx.clock.now()),
        ).catch((error: unknown) => {
          // A purchase order that would cost more than an exact integer holds (a huge cost × quantity): bad input.
          if (error instanceof RangeError)
            throw new InputError('lines', `the order cannot be priced: ${error.message}`);
          throw error;
        });
        const receipt =
          result.kind === 'created'
            ? orderReceipt(result.order, result.purchaseOrders)
            : await storedOrderReceipt(ctx.store.db, result.orderId);
        return reply
          .code(result.kind === 'created' ? 201 : 200)
          .header('location', `/api/v1/orders/${result.orderId}`)
          .send(receipt!);
      },
    );

    app.get(
      '/api/v1/orders',
      {
        onRequest: guard.read,
        schema: {
          tags: ['orders'],
          summary: 'List orders, the last placed first; filter and search them',
          description:
            "A page at a time: pass `next` as `before` for the page after; `next` is null on the last page. Orders placed in the same millisecond come in descending id. Filters combine (all must hold). `q` finds an order by its external id or one of its purchase order numbers (whole or by prefix), its customer's email (whole), its customer's name (by the prefix of the whole name or of any word of it: `smi` finds Ann Smith) or the SKU of one of its lines (whole); case and accents are ignored. `from` and `to` bound the placed time: a date is a UTC day (`from` from its start; `to` up to its start, so the day itself is not included), a date-time is taken as given (`to` included).",
          querystring: orderListQuery,
          response: {
            200: z.object({ orders: z.array(orderSummaryOut), next: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { from, to, ...rest } = request.query;
        const placedFrom = from === undefined ? undefined : startOf(from);
        const placedBefore = to === undefined ? undefined : endOf(to);
        if (placedFrom !== undefined && placedBefore !== undefined && placedFrom >= placedBefore)
          throw new InputError('query.to', `must be after from (${from}), not ${to}`);
        const page = await listOrderSummaries(ctx.store.db, { ...rest, placedFrom, placedBefore });
        if (!page) throw new InputError('query.before', `names no order: ${rest.before}`);
        return page;
      },
    );

    app.get(
      '/api/v1/orders/:orderId',
      {
        onRequest: guard.read,
        schema: {
          tags: ['orders'],
          summary: 'One order: state, lines, purchase orders, shipments and its timeline',
          params: z.object({ orderId: z.string() }),
          response: { 200: orderOut, ...errorResponses },
        },
      },
      async (request) => {
        const view = await orderView(ctx.store.db, request.params.orderId);
        if (!view) throw new NotFoundError(`order ${request.params.orderId}`);
        return view;
      },
    );
  };
}

/**
 * A channel sells in its one currency, and its prices, stock and refunds are in that currency: an order in another
 * is a mistake at the storefront, refused rather than stored beside the channel's others. Amounts must stay exact
 * integers (2^53 − 1 minor units) through every line total and the order total. An unknown channel is left to the
 * use case, which answers 404. Channels' currencies are remembered for two seconds: this is the intake's hot path.
 */
function moneyItCannotHold(ctx: AppContext) {
  const currencies = new TtlCache<string>(2_000);
  const channelCurrency = async (channelId: string) => {
    const known = currencies.get(channelId);
    if (known) return known;
    const found = (await findChannel(ctx.store.db, channelId))?.currency;
    if (found) currencies.set(channelId, found);
    return found;
  };
  return async (
    channelId: string,
    order: { currency: string; lines: { unitPrice: number; quantity: number }[] },
  ): Promise<void> => {
    const expected = await channelCurrency(channelId);
    if (expected && expected !== order.currency)
      throw new InputError('currency', `must be the channel's currency, ${expected}, not ${order.currency}`);
    let total = 0;
    for (const [i, line] of order.lines.entries()) {
      const lineTotal = line.unitPrice * line.quantity;
      if (!Number.isSafeInteger(lineTotal))
        throw new InputError(
          `lines[${i}].unitPrice`,
          `times quantity ${line.quantity} is more than ${Number.MAX_SAFE_INTEGER} minor units`,
        );
      total += lineTotal;
      if (!Number.isSafeInteger(total))
        throw new InputError(
          `lines[${i}].unitPrice`,
          `brings the order's total over ${Number.MAX_SAFE_INTEGER} minor units`,
        );
    }
  };
}

/** Lines, shipping, fees and taxes that add up past what an exact integer holds are the order's `total` overflowing. */
function orderFrom(channelId: ChannelId, body: z.infer<typeof orderInput>, now: Date): IncomingOrder {
  try {
    return storefrontOrder(channelId, body, now);
  } catch (error) {
    if (error instanceof RangeError)
      throw new InputError('total', `the order's figures add up past ${Number.MAX_SAFE_INTEGER} minor units`);
    throw error;
  }
}

/** The operator API's order → Waybill's incoming order; the money parts it gives are taken as charged. */
function storefrontOrder(channelId: ChannelId, body: z.infer<typeof orderInput>, now: Date): IncomingOrder {
  const code = currency(body.currency);
  const of = (amount: number) => money(amount, code);
  const taxes = (
    given: readonly { title: string; rate?: string | undefined; amount: number }[] | undefined,
  ) => (given ?? []).map((t) => ({ title: t.title, rate: t.rate ?? null, amount: of(t.amount) }));
  const taxesIncluded = body.taxesIncluded ?? false;
  const lines = body.lines.map((l, i) => {
    const charges = chargedLine(
      of(l.unitPrice * l.quantity),
      of(l.discount ?? 0),
      taxes(l.taxes),
      taxesIncluded,
    );
    if (charges.total.amount < 0)
      throw new InputError(`lines[${i}].discount`, 'the discount is more than the line costs');
    return {
      sku: l.sku as Sku,
      quantity: l.quantity,
      unitPrice: of(l.unitPrice),
      channelLineId: l.lineId,
      title: l.title,
      requiresShipping: l.requiresShipping,
      charges,
    };
  });
  const parts = {
    taxesIncluded,
    shipping: (body.shipping ?? []).map((s) => ({
      title: s.title,
      price: of(s.price),
      discount: of(s.discount ?? 0),
      taxes: taxes(s.taxes),
    })),
    fees: (body.fees ?? []).map((f) => ({ title: f.title, amount: of(f.amount), taxes: taxes(f.taxes) })),
  };
  const figures = figuresOf(
    lines.map((l) => l.charges),
    parts,
    code,
  );
  return {
    channelId,
    externalId: body.externalId,
    placedAt: body.placedAt ? new Date(body.placedAt) : now,
    currency: code,
    customer: body.customer,
    shippingAddress: body.shippingAddress,
    lines,
    charges: {
      ...parts,
      discounts: figures.discounts,
      taxTotal: figures.tax,
      total: body.total === undefined ? figures.total : of(body.total),
      presentment: null,
    },
  };
}
