import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { previewRouting } from '../../app/preview-routing.ts';
import { currentRouting, routingRulesInput, saveRoutingRules } from '../../app/routing-rules.ts';
import { place } from '../../app/setup-values.ts';
import { money } from '../../domain/money.ts';
import { currencyCode, errorResponses, moneyOut } from '../schemas.ts';
import type { Guards } from '../server.ts';

const rulesOut = z.object({
  /** 0: the retailer never wrote rules, and these are the defaults. */
  version: z.number().int(),
  rules: z.record(z.string(), z.unknown()),
});

const previewLineIn = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  unitPrice: z.object({ amount: z.number().int().nonnegative(), currency: currencyCode }),
});

const previewIn = z
  .object({
    /** An order Waybill has: its lines and address. */
    orderId: z.string().min(1).optional(),
    /** Or an order described here. */
    order: z.object({ shipTo: place, lines: z.array(previewLineIn).min(1) }).optional(),
    /** Rules to try instead of those in force (validated as a PUT would, saved nowhere). */
    rules: routingRulesInput.optional(),
  })
  .refine((b) => (b.orderId === undefined) !== (b.order === undefined), {
    message: 'give either orderId or order',
    path: ['orderId'],
  });

const previewOut = z.object({
  rulesVersion: z.number().int().nullable(),
  lines: z.array(
    z.object({
      lineNumber: z.number().int(),
      sku: z.string(),
      quantity: z.number().int(),
      retail: moneyOut,
      outcome: z.enum(['routed', 'unroutable']),
      nodeId: z.string().nullable(),
      reason: z.string(),
      candidates: z.array(
        z.object({
          nodeId: z.string(),
          eligible: z.boolean(),
          reason: z.string(),
          landedCost: moneyOut,
          margin: moneyOut.nullable(),
          leadDays: z.number().int(),
          score: z.number().int(),
        }),
      ),
    }),
  ),
});

/** The retailer's routing rules, versioned, and a preview of what they decide. */
export function routingRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/routing/rules',
      {
        onRequest: guard.read,
        schema: {
          tags: ['routing'],
          summary: 'The routing rules in force, with their version',
          response: { 200: rulesOut, ...errorResponses },
        },
      },
      async () => {
        const routing = await currentRouting(ctx.store);
        return { version: routing.version, rules: routing.input };
      },
    );

    app.put(
      '/api/v1/routing/rules',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['routing'],
          summary: 'Replace the routing rules: a new version when they differ from those in force',
          description:
            'Validated on save: an error names the rule and the field. Orders routed from now on record the new version; orders already routed keep theirs.',
          body: routingRulesInput,
          response: { 200: z.object({ version: z.number().int(), changed: z.boolean() }), ...errorResponses },
        },
      },
      async (request) =>
        ctx.store.transact((tx) => saveRoutingRules(tx, request.body, ctx.clock.now().getTime(), '')),
    );

    app.post(
      '/api/v1/routing/preview',
      {
        onRequest: guard.read,
        schema: {
          tags: ['routing'],
          summary: 'What the rules would decide for an order, with each candidate’s landed cost and margin',
          description:
            'Saves nothing and holds no stock. Margin = the line’s retail price − the candidate’s landed cost (item cost × quantity + drop-ship fee + shipping estimate); null when the two are in different currencies.',
          body: previewIn,
          response: { 200: previewOut, ...errorResponses },
        },
      },
      async (request) => {
        const { orderId, order, rules } = request.body;
        const subject = orderId
          ? { orderId }
          : {
              order: {
                shipTo: order!.shipTo,
                lines: order!.lines.map((l) => ({
                  ...l,
                  unitPrice: money(l.unitPrice.amount, l.unitPrice.currency),
                })),
              },
            };
        return previewRouting(ctx, subject, rules);
      },
    );
  };
}
