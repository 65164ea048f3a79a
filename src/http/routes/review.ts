import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import {
  approveOrder,
  cancelLinesByOperator,
  changeShippingAddress,
  rerouteLinesByOperator,
} from '../../app/operator-actions.ts';
import { listReview } from '../../store/review.repo.ts';
import { address, errorResponses } from '../schemas.ts';
import type { Guards } from '../server.ts';

const orderParams = z.object({ orderId: z.string().min(1) });
const lineNumbers = z
  .array(z.number().int().positive())
  .min(1)
  .superRefine((lines, ctx) =>
    lines.forEach((n, i) => {
      if (lines.indexOf(n) < i)
        ctx.addIssue({ code: 'custom', path: [i], message: `line ${n} is named twice` });
    }),
  );

const reviewOut = z.object({
  orders: z.array(
    z.object({
      orderId: z.string(),
      channelId: z.string(),
      externalId: z.string(),
      heldSince: z.string(),
      holdReason: z.string().nullable(),
      /** Every open reason, by check (`address.postal_code`, `fraud.order_value`, `sla.ack_missed`, …). */
      reasons: z.array(z.object({ check: z.string(), message: z.string(), since: z.string() })),
    }),
  ),
  /** Pass as `after` for the next page; null on the last. */
  next: z.string().nullable(),
});

const rerouteOut = z.object({
  rerouted: z.array(z.object({ line: z.number().int(), supplierId: z.string() })),
  stranded: z.array(z.number().int()),
});

/** The review queue, and what an operator does with a held order; each action is recorded in the order's timeline. */
export function reviewRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/review',
      {
        onRequest: guard.read,
        schema: {
          tags: ['review'],
          summary: 'Orders held for a person, longest held first, with every reason',
          querystring: z.object({
            reason: z
              .string()
              .regex(
                /^[a-z_]+(\.[a-z_]+)*$/,
                'must be a check, or its first part: fraud, address.postal_code, sla',
              )
              .optional(),
            channel: z.string().min(1).optional(),
            olderThanMinutes: z.coerce.number().int().nonnegative().optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            after: z
              .string()
              .refine((c) => decodeCursor(c) !== undefined, "must be the previous page's `next`")
              .optional(),
          }),
          response: { 200: reviewOut, ...errorResponses },
        },
      },
      async (request) => {
        const { reason, channel, olderThanMinutes, limit, after } = request.query;
        const now = ctx.clock.now().getTime();
        const cursor = after ? decodeCursor(after) : undefined;
        const rows = await listReview(ctx.store.db, {
          reason,
          channelId: channel,
          heldBefore: olderThanMinutes === undefined ? undefined : now - olderThanMinutes * 60_000,
          limit: limit + 1,
          after: cursor,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          orders: page.map((r) => ({
            orderId: r.orderId,
            channelId: r.channelId,
            externalId: r.externalId,
            heldSince: new Date(r.heldSince).toISOString(),
            holdReason: r.holdReason,
            reasons: r.checks.map((c) => ({ ...c, since: new Date(c.since).toISOString() })),
          })),
          next:
            rows.length > limit && last
              ? Buffer.from(JSON.stringify([last.heldSince, last.orderId])).toString('base64url')
              : null,
        };
      },
    );

    app.post(
      '/api/v1/orders/:orderId/approve',
      {
        onRequest: guard.write,
        schema: {
          tags: ['review'],
          summary: 'Approve a held order: its lines waiting to be routed are routed now by the rules',
          params: orderParams,
          body: z.object({ note: z.string().max(500).optional() }).default({}),
          response: {
            200: z.object({ state: z.string(), holdReason: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const order = await approveOrder(ctx, request.params.orderId, request.body.note);
        return { state: order.state, holdReason: order.holdReason };
      },
    );

    app.post(
      '/api/v1/orders/:orderId/reroute',
      {
        onRequest: guard.write,
        schema: {
          tags: ['review'],
          summary: 'Send lines to another node: the one named, or the best other by the rules',
          description:
            'The purchase orders holding the lines are withdrawn from their suppliers (told over their transports); their other lines are routed again by the rules.',
          params: orderParams,
          body: z.object({
            lines: lineNumbers,
            to: z.string().min(1).optional(),
            note: z.string().max(500).optional(),
          }),
          response: { 200: rerouteOut, ...errorResponses },
        },
      },
      async (request) => rerouteLinesByOperator(ctx, request.params.orderId, request.body),
    );

    app.post(
      '/api/v1/orders/:orderId/cancel',
      {
        onRequest: guard.write,
        schema: {
          tags: ['review'],
          summary: 'Cancel lines, or the whole order, and refund them at the channel',
          description:
            'Purchase orders that go whole are withdrawn from their suppliers; lines a supplier has on a PO that keeps other lines are left for a person to ask about (the order is held, naming them). `reason` is the note to the customer.',
          params: orderParams,
          body: z.object({ lines: lineNumbers.optional(), reason: z.string().min(1).max(500) }),
          response: {
            200: z.object({ summary: z.string(), cancelled: z.array(z.number().int()) }),
            ...errorResponses,
          },
        },
      },
      async (request) => cancelLinesByOperator(ctx, request.params.orderId, request.body),
    );

    app.put(
      '/api/v1/orders/:orderId/shipping-address',
      {
        onRequest: guard.write,
        schema: {
          tags: ['review'],
          summary: 'Correct the shipping address of an order no supplier has yet (checked again)',
          params: orderParams,
          body: address,
          response: {
            200: z.object({ state: z.string(), holdReason: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const order = await changeShippingAddress(ctx, request.params.orderId, request.body);
        return { state: order.state, holdReason: order.holdReason };
      },
    );
  };
}

function decodeCursor(cursor: string): { heldSince: number; orderId: string } | undefined {
  try {
    const [heldSince, orderId] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [number, string];
    return typeof heldSince === 'number' && typeof orderId === 'string' ? { heldSince, orderId } : undefined;
  } catch {
    return undefined;
  }
}
