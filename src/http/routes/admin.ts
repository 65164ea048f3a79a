import { settingsWithoutCredentials } from '../../infra/url-credentials.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { applySetup } from '../../app/apply-setup.ts';
import { channelApiVersion } from '../../app/channel-api-version.ts';
import type { AppContext } from '../../app/context.ts';
import { registeredFulfilmentService } from '../../app/answer-fulfilment-requests.ts';
import { ConflictError, NotFoundError } from '../../app/errors.ts';
import { setupDocumentFor } from '../../app/setup-document.ts';
import { circuitView } from '../../app/supplier-circuit.ts';
import { listSupplierCircuits } from '../../store/supplier-circuits.repo.ts';
import { stockPage } from '../../store/stock.repo.ts';
import {
  listChannelsForApi,
  listProductsWithOffers,
  countSupplierPurchaseOrders,
  lastStockSyncs,
  listSuppliersForApi,
} from '../../store/views-catalog.repo.ts';
import { parseAllocation } from '../../domain/stock.ts';
import { listDeadLetters, replayDeadLetter, type DeadLetterCursor, type JobRow } from '../../jobs/queue.ts';
import type { AnyJobDefinition } from '../../jobs/job.ts';
import { errorResponses, jobOut, problemOut } from '../schemas.ts';
import type { Guards } from '../server.ts';

const applyReport = z.object({
  created: z.array(z.string()),
  updated: z.array(z.string()),
  unchanged: z.array(z.string()),
  dryRun: z.boolean(),
});

/** A supplier's circuit breaker (app/supplier-circuit.ts): whether Waybill calls its transport at the moment. */
const circuitOut = z
  .object({
    state: z
      .enum(['closed', 'open', 'half_open'])
      .describe('closed: calls go; open: none until nextProbeAt; half_open: one probe under way'),
    consecutiveFailures: z.number().describe("failures of the supplier's side in a row"),
    downSince: z.string().nullable().describe('the first of those failures (null: nothing failing)'),
    nextProbeAt: z
      .string()
      .nullable()
      .describe('open: when one call may try again; half_open: when the probe under way is given up'),
    lastError: z.string().nullable().describe('what the last failure said (no credentials)'),
  })
  .describe("the supplier's circuit breaker");

const webhookHealthOut = z.object({
  checkedAt: z.string(),
  webhooks: z.array(
    z.object({
      topic: z.string(),
      status: z.enum(['active', 'paused', 'disabled', 'missing']),
      id: z.string().nullable(),
    }),
  ),
});
const channelOut = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  currency: z.string(),
  /** The kind's own settings as applied (never its secrets): a Shopify shop's domain, a storefront's notifyUrl. */
  settings: z.record(z.string(), z.unknown()),
  /** Where a storefront's events go (its settings' notifyUrl), null for other kinds. */
  notifyUrl: z.string().nullable(),
  backorderPolicy: z.string(),
  allocation: z.union([z.object({ cap: z.number() }), z.object({ sharePercent: z.number() })]).nullable(),
  /** The catch-up poll has read the channel's orders changed up to here. */
  polledUntil: z.string().nullable(),
  /** When the channel was last told a stock level (null: never yet). */
  lastStockSyncAt: z.string().nullable(),
  /** The channel's webhook subscriptions as last checked (null until checked: needs publicUrl and API credentials). */
  webhooks: webhookHealthOut.nullable(),
  /** Waybill as the channel's fulfilment service, as registered (null: not one, or not registered yet). */
  fulfilmentService: z
    .object({ id: z.string(), name: z.string(), locationId: z.string(), callbackUrl: z.string() })
    .nullable(),
  /**
   * The channel's API version, for kinds that pin one (Shopify; else null): the one Waybill asks for and until when
   * the platform supports it; `served` when it last answered with another one (since `servedSince`); warnings.
   */
  apiVersion: z
    .object({
      requested: z.string(),
      supportedUntil: z.string(),
      served: z.string().nullable(),
      servedSince: z.string().nullable(),
      warnings: z.array(z.string()),
    })
    .nullable(),
});

/** Setup as data, the catalog of partners, and the dead-letter list. */
export function adminRoutes(
  ctx: AppContext,
  guard: Guards,
  jobs: ReadonlyMap<string, AnyJobDefinition>,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/setup',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['setup'],
          summary:
            'Create or update channels, suppliers, products and offers from a setup document (docs/setup-file.md)',
          description:
            'Admin keys only (it sets credentials). Idempotent; all or nothing. Secrets are stored encrypted and never returned.',
          querystring: z.object({ dryRun: z.stringbool().default(false) }),
          body: setupDocumentFor(ctx.channels, ctx.transports),
          response: { 200: applyReport, ...errorResponses },
        },
      },
      async (request) => {
        const report = await applySetup(ctx, request.body, { dryRun: request.query.dryRun });
        return report;
      },
    );

    app.get(
      '/api/v1/channels',
      {
        onRequest: guard.read,
        schema: {
          tags: ['setup'],
          summary:
            "Sales channels (secrets never shown), with the state of each one's webhooks and catch-up poll",
          response: { 200: z.object({ channels: z.array(channelOut) }) },
        },
      },
      async () => {
        const synced = await lastStockSyncs(ctx.store.db);
        return {
          channels: await Promise.all(
            (await listChannelsForApi(ctx.store.db)).map(async (c) => ({
              id: c.id,
              kind: c.kind,
              name: c.name,
              currency: c.currency,
              ...settingsOf(c.config),
              backorderPolicy: c.backorder_policy,
              allocation: parseAllocation(c.allocation),
              polledUntil: c.polled_until === null ? null : new Date(c.polled_until).toISOString(),
              lastStockSyncAt: synced.has(c.id) ? new Date(synced.get(c.id)!).toISOString() : null,
              webhooks: c.webhook_health
                ? (JSON.parse(c.webhook_health) as z.infer<typeof webhookHealthOut>)
                : null,
              fulfilmentService: await registeredFulfilmentService(ctx.store.db, c.id),
              apiVersion: await channelApiVersion(
                ctx.store.db,
                c.id,
                ctx.channels.get(c.kind),
                ctx.clock.now(),
              ),
            })),
          ),
        };
      },
    );

    app.get(
      '/api/v1/suppliers',
      {
        onRequest: guard.read,
        schema: {
          tags: ['setup'],
          summary: 'Suppliers and their transports (secrets and tokens never shown)',
          response: {
            200: z.object({
              suppliers: z.array(
                z.object({
                  id: z.string(),
                  name: z.string(),
                  currency: z.string(),
                  transport: z.object({ kind: z.string() }).loose(),
                  ackWithinMinutes: z.number(),
                  paused: z.boolean(),
                  openPurchaseOrders: z
                    .number()
                    .describe('not yet answered, or accepted and not all shipped'),
                  slaMisses30d: z
                    .number()
                    .describe(
                      'purchase orders of the last 30 days past their acknowledgement or shipping deadline',
                    ),
                  circuit: circuitOut,
                }),
              ),
            }),
          },
        },
      },
      async () => {
        const counts = await countSupplierPurchaseOrders(
          ctx.store.db,
          ctx.clock.now().getTime() - 30 * 86_400_000,
        );
        const circuits = await listSupplierCircuits(ctx.store.db);
        return {
          suppliers: (await listSuppliersForApi(ctx.store.db)).map((s) => ({
            ...s,
            transport: settingsWithoutCredentials(s.transport),
            openPurchaseOrders: counts.get(s.id)?.open ?? 0,
            slaMisses30d: counts.get(s.id)?.slaMisses ?? 0,
            circuit: circuitView(circuits.get(s.id)),
          })),
        };
      },
    );

    app.get(
      '/api/v1/products',
      {
        onRequest: guard.read,
        schema: {
          tags: ['setup'],
          summary: 'Products (variants by SKU) and their offers',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            after: z.string().optional(),
          }),
          response: {
            400: problemOut,
            200: z.object({
              products: z.array(
                z.object({
                  sku: z.string(),
                  name: z.string(),
                  gtin: z.string().nullable(),
                  offers: z.array(
                    z.object({
                      supplierId: z.string(),
                      supplierSku: z.string(),
                      cost: z.object({ amount: z.number(), currency: z.string() }),
                      priority: z.number(),
                      active: z.boolean(),
                      stock: z.number().nullable(),
                    }),
                  ),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ products: await listProductsWithOffers(ctx.store.db, request.query) }),
    );

    app.get(
      '/api/v1/stock',
      {
        onRequest: guard.read,
        schema: {
          tags: ['stock'],
          summary:
            'Available to promise per SKU: supplier stock less safety buffers, minus open reservations',
          description: '`available` is null for a SKU some supplier does not report stock for (not limited).',
          querystring: z.object({
            sku: z
              .union([z.string(), z.array(z.string())])
              .optional()
              .describe('one or more SKUs; all when absent'),
            q: z.string().min(1).max(100).optional().describe('SKUs starting with this'),
            limit: z.coerce.number().int().min(1).max(1000).default(500),
            after: z.string().optional().describe('cursor: the `next` of the previous page (a SKU)'),
          }),
          response: {
            200: z.object({
              levels: z.array(
                z.object({
                  sku: z.string(),
                  onHand: z.number(),
                  reserved: z.number(),
                  available: z.number().nullable(),
                  channels: z
                    .array(z.object({ channelId: z.string(), told: z.number(), toldAt: z.string() }))
                    .describe('what each channel was last told it can sell, and when'),
                }),
              ),
              next: z.string().nullable(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { sku, q, limit, after } = request.query;
        const page = await stockPage(ctx.store.db, {
          ...(sku === undefined ? {} : { skus: [sku].flat() }),
          ...(q === undefined ? {} : { prefix: q }),
          ...(after === undefined ? {} : { after }),
          limit,
        });
        return {
          levels: page.levels.map((l) => ({
            ...l,
            channels: l.channels.map((c) => ({ ...c, toldAt: new Date(c.toldAt).toISOString() })),
          })),
          next: page.next,
        };
      },
    );

    app.get(
      '/api/v1/dead-letters',
      {
        onRequest: guard.read,
        schema: {
          tags: ['jobs'],
          summary: 'Jobs that ran out of attempts, the last to die first',
          description:
            'A page at a time: pass `next` as `before` for the page after; `next` is null on the last page.',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(500).default(100),
            before: deadLetterCursor.optional().describe('cursor: the `next` of the previous page'),
          }),
          response: {
            200: z.object({ deadLetters: z.array(jobOut), next: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { limit, before } = request.query;
        const rows = await listDeadLetters(ctx.store.db, {
          limit: limit + 1,
          after: before ? readCursor(before) : undefined,
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          deadLetters: page.map(jobView),
          next: rows.length > limit && last ? `${last.updated_at}:${last.id}` : null,
        };
      },
    );

    app.post(
      '/api/v1/dead-letters/:jobId/replay',
      {
        onRequest: guard.write,
        schema: {
          tags: ['jobs'],
          summary: 'Queue a dead letter again, with a fresh set of attempts and the same idempotency key',
          params: z.object({ jobId: z.string() }),
          response: { 200: jobOut, ...errorResponses, 409: problemOut },
        },
      },
      async (request) => {
        const outcome = await ctx.store.transact((tx) =>
          replayDeadLetter(tx, jobs, request.params.jobId, ctx.clock.now().getTime()),
        );
        if (outcome.kind === 'not_found') throw new NotFoundError(`dead letter ${request.params.jobId}`);
        if (outcome.kind === 'not_dead')
          throw new ConflictError(`job ${request.params.jobId} is ${outcome.state}, not dead`);
        return jobView(outcome.job);
      },
    );
  };
}

/** A dead-letter cursor, `<updated_at ms>:<job id>`: where the previous page ended. */
const deadLetterCursor = z.string().regex(/^\d{1,16}:[\w-]{1,100}$/, 'must be the `next` of a previous page');

function readCursor(cursor: string): DeadLetterCursor {
  const at = cursor.indexOf(':');
  return { updatedAt: Number(cursor.slice(0, at)), id: cursor.slice(at + 1) };
}

function jobView(j: JobRow) {
  return {
    id: j.id,
    kind: j.kind,
    key: j.key,
    state: j.state,
    attempts: j.attempts,
    maxAttempts: j.max_attempts,
    runAt: new Date(j.run_at).toISOString(),
    lastError: j.last_error,
    createdAt: new Date(j.created_at).toISOString(),
    updatedAt: new Date(j.updated_at).toISOString(),
  };
}

/** A channel's stored settings, and the storefront's events address among them. */
function settingsOf(config: string | null): { settings: Record<string, unknown>; notifyUrl: string | null } {
  // An address may carry a proxy's credentials: they stay in the store.
  const settings = settingsWithoutCredentials(config ? (JSON.parse(config) as Record<string, unknown>) : {});
  return { settings, notifyUrl: typeof settings.notifyUrl === 'string' ? settings.notifyUrl : null };
}
