import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { previewPricing } from '../../app/preview-pricing.ts';
import { currentPricing, pricingRulesInput, savePricingRules } from '../../app/pricing-rules.ts';
import { repriceAll } from '../../app/reprice.ts';
import { listExchangeRates } from '../../store/pricing.repo.ts';
import { errorResponses, moneyOut } from '../schemas.ts';
import type { Guards } from '../server.ts';

const rulesOut = z.object({
  /** 0: the retailer never wrote pricing rules, and every price is manual. */
  version: z.number().int(),
  rules: z.record(z.string(), z.unknown()),
  exchangeRates: z
    .array(
      z.object({
        from: z.string(),
        to: z.string(),
        rate: z.string(),
        source: z.string(),
        asOf: z.string(),
      }),
    )
    .describe('every stored rate; for a pair, the operator’s comes first and is the one used'),
});

const savedOut = z.object({
  version: z.number().int(),
  changed: z.boolean(),
  repriced: z.object({
    changed: z.number().int().describe('prices (SKU × channel) whose amount changed'),
    channels: z.array(z.string()).describe('channels queued a price sync'),
    floorsHeld: z.number().int().describe('prices held at a floor (event prices.floor_held)'),
  }),
});

const previewOut = z.object({
  rulesVersion: z.number().int(),
  total: z.number().int().describe('prices that would change; `changes` lists the first `limit`'),
  unpriced: z.number().int().describe('SKU × channel pairs these rules cannot price: they keep their price'),
  changes: z.array(
    z.object({
      sku: z.string(),
      channel: z.string(),
      current: moneyOut.nullable(),
      proposed: moneyOut,
      difference: z.number().int().nullable().describe('proposed − current, minor units'),
      floor: z.object({ kind: z.enum(['min_margin', 'map']), floor: moneyOut, wanted: moneyOut }).nullable(),
      steps: z.array(z.string()),
    }),
  ),
});

/** The retailer's pricing rules, versioned, and a preview of the prices they would set. */
export function pricingRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/pricing/rules',
      {
        onRequest: guard.read,
        schema: {
          tags: ['pricing'],
          summary: 'The pricing rules in force, with their version and the exchange rates stored',
          response: { 200: rulesOut, ...errorResponses },
        },
      },
      async () => {
        const { version, input } = await currentPricing(ctx.store.db);
        return { version, rules: input, exchangeRates: await listExchangeRates(ctx.store.db) };
      },
    );

    app.put(
      '/api/v1/pricing/rules',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['pricing'],
          summary: 'Replace the pricing rules: a new version when they differ, and every SKU repriced',
          description:
            'Validated on save: an error names the rule and the field. Prices that change are sent to their channels after the commit; manual prices are left alone.',
          body: pricingRulesInput,
          response: { 200: savedOut, ...errorResponses },
        },
      },
      async (request) =>
        ctx.store.transact(async (tx) => {
          const now = ctx.clock.now().getTime();
          const saved = await savePricingRules(tx, request.body, now, '');
          const repriced = saved.changed
            ? await repriceAll(ctx, tx, now)
            : { changed: 0, channels: [], floorsHeld: 0 };
          return { ...saved, repriced };
        }),
    );

    app.post(
      '/api/v1/pricing/preview',
      {
        onRequest: guard.read,
        schema: {
          tags: ['pricing'],
          summary: 'Which prices pricing rules would change, and by how much, before they are saved',
          description:
            'Body: the rules as PUT /api/v1/pricing/rules takes them. Lists only the prices that would change (manual prices never do), by SKU and channel, with the floor any is held at. Saves nothing.',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(5_000).default(1_000) }),
          body: pricingRulesInput,
          response: { 200: previewOut, ...errorResponses },
        },
      },
      async (request) => previewPricing(ctx, request.body, request.query.limit),
    );
  };
}
