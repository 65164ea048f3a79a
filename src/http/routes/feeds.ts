import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { InputError, NotFoundError } from '../../app/errors.ts';
import { decideQuarantinedFeed, importFeed } from '../../app/import-feed.ts';
import type { FeedImportReport } from '../../app/feed-report.ts';
import { listUnmatched, mapSupplierSku } from '../../app/map-supplier-sku.ts';
import { findFeedImport, listFeedImports } from '../../store/feed-imports.repo.ts';
import { findSupplierRow } from '../../store/setup.repo.ts';
import { errorResponses, moneyOut, problemOut } from '../schemas.ts';
import type { Guards } from '../server.ts';

/** A supplier's whole catalog in one file: a million rows of CSV is about 60 MB. */
export const FEED_BODY_LIMIT = 256 * 1024 * 1024;

const supplierParams = z.object({ supplierId: z.string().min(1) });
const importParams = z.object({ importId: z.string().min(1) });

const rowError = z.object({
  row: z.number().int(),
  field: z.string(),
  column: z.string().optional(),
  reason: z.string(),
});

export const feedReportOut = z.object({
  id: z.string(),
  supplierId: z.string(),
  status: z.enum(['applied', 'quarantined', 'approved', 'rejected', 'refused']),
  kind: z.enum(['full', 'delta']),
  source: z.string(),
  fileName: z.string().nullable(),
  receivedAt: z.string(),
  rows: z.number().int(),
  failed: z.number().int(),
  unchanged: z.number().int(),
  changed: z.number().int(),
  added: z.number().int(),
  missing: z.number().int(),
  zeroed: z.number().int(),
  unmatched: z.number().int(),
  matchedByGtin: z.number().int(),
  matchedLater: z.number().int().optional(),
  stock: z.object({ before: z.number().int(), after: z.number().int() }),
  skus: z.object({ before: z.number().int(), after: z.number().int().nullable() }),
  errors: z.array(rowError),
  errorsTotal: z.number().int(),
  quarantine: z.array(z.string()),
  refused: z.string().optional(),
  decidedAt: z.string().nullable().optional(),
  decidedBy: z.string().nullable().optional(),
});

const unmatchedOut = z.object({
  items: z.array(
    z.object({
      supplierSku: z.string(),
      gtin: z.string().optional(),
      cost: moneyOut.optional(),
      stock: z.number().int().optional(),
      updatedAt: z.string(),
    }),
  ),
  next: z.string().nullable(),
});

/**
 * Supplier feeds through the operator API: a file uploaded as the request body (CSV, JSON or XLSX, read with the
 * supplier's mapping), the history of imports with their reports, the decision on a quarantined one, and the rows
 * no SKU matched, to map.
 */
export function feedRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(async (scope) => {
      // The file is read by the supplier's mapping, not by its content type: every type arrives as bytes.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: FEED_BODY_LIMIT }, (_r, body, done) =>
        done(null, body),
      );
      scope.withTypeProvider<ZodTypeProvider>().post(
        '/api/v1/suppliers/:supplierId/feeds',
        {
          onRequest: guard.write,
          bodyLimit: FEED_BODY_LIMIT,
          schema: {
            tags: ['feeds'],
            summary: "Import a supplier's feed file (the request body), read with the supplier's mapping",
            description:
              'Only what changed since the last accepted feed is written and synced. 201: applied (failed rows listed, the rest applied); 202: quarantined (it passed a threshold; nothing applied until approved); 422: the file is not what the mapping reads (a PDF, an HTML page), recorded as refused.',
            params: supplierParams,
            querystring: z.object({
              kind: z.enum(['full', 'delta']).optional().describe("overrides the supplier's setting"),
              fileName: z.string().max(255).optional(),
            }),
            response: { 201: feedReportOut, 202: feedReportOut, 409: problemOut, ...errorResponses },
          },
        },
        async (request, reply) => {
          if (!Buffer.isBuffer(request.body) || request.body.length === 0)
            throw new InputError('body', 'is empty: send the feed file as the request body');
          const report = await importFeed(ctx, {
            supplierId: request.params.supplierId,
            source: 'upload',
            fileName: request.query.fileName,
            bytes: request.body,
            kind: request.query.kind,
          });
          refuseRefused(report);
          return reply.code(report.status === 'quarantined' ? 202 : 201).send(report);
        },
      );
    });

    app.get(
      '/api/v1/suppliers/:supplierId/feeds',
      {
        onRequest: guard.read,
        schema: {
          tags: ['feeds'],
          summary: "A supplier's feed imports, newest first, each with its report",
          params: supplierParams,
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            before: z.string().optional().describe('cursor: the `next` of the previous page'),
          }),
          response: {
            200: z.object({ imports: z.array(feedReportOut), next: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        if (!(await findSupplierRow(ctx.store.db, request.params.supplierId)))
          throw new NotFoundError(`supplier ${request.params.supplierId}`);
        const rows = await listFeedImports(ctx.store.db, request.params.supplierId, request.query);
        return {
          imports: rows.map(reportOf),
          next: rows.length === request.query.limit ? rows[rows.length - 1]!.id : null,
        };
      },
    );

    app.get(
      '/api/v1/feeds/:importId',
      {
        onRequest: guard.read,
        schema: {
          tags: ['feeds'],
          summary: 'One feed import: its report, and the decision on it if it was quarantined',
          params: importParams,
          response: { 200: feedReportOut, ...errorResponses },
        },
      },
      async (request) => {
        const row = await findFeedImport(ctx.store.db, request.params.importId);
        if (!row) throw new NotFoundError(`feed import ${request.params.importId}`);
        return reportOf(row);
      },
    );

    for (const decision of ['approve', 'reject'] as const)
      app.post(
        `/api/v1/feeds/:importId/${decision}`,
        {
          onRequest: guard.write,
          schema: {
            tags: ['feeds'],
            summary:
              decision === 'approve'
                ? 'Apply a quarantined feed: exactly the file received, diffed against the feed accepted now'
                : 'Reject a quarantined feed: nothing of it applies, and its file is dropped',
            params: importParams,
            response: { 200: feedReportOut, 409: problemOut, ...errorResponses },
          },
        },
        async (request) =>
          decideQuarantinedFeed(ctx, request.params.importId, decision, request.role ?? 'operator'),
      );

    app.get(
      '/api/v1/suppliers/:supplierId/unmatched',
      {
        onRequest: guard.read,
        schema: {
          tags: ['feeds'],
          summary: "Rows of the supplier's feed whose supplier SKU is not one of Waybill's yet",
          params: supplierParams,
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(500).default(100),
            after: z.string().optional().describe('cursor: the `next` of the previous page'),
          }),
          response: { 200: unmatchedOut, ...errorResponses },
        },
      },
      async (request) => listUnmatched(ctx, request.params.supplierId, request.query),
    );

    app.put(
      '/api/v1/suppliers/:supplierId/sku-mappings/:supplierSku',
      {
        onRequest: guard.write,
        schema: {
          tags: ['feeds'],
          summary:
            "Map a supplier SKU to a Waybill SKU: it holds for every later feed, and the last feed's row applies now",
          params: supplierParams.extend({ supplierSku: z.string().min(1).max(255) }),
          body: z.object({ sku: z.string().min(1).max(64) }),
          response: {
            200: z.object({
              supplierSku: z.string(),
              sku: z.string(),
              offer: z.enum(['applied', 'no_cost', 'no_feed_row']),
            }),
            409: problemOut,
            ...errorResponses,
          },
        },
      },
      async (request) =>
        mapSupplierSku(ctx, request.params.supplierId, request.params.supplierSku, request.body.sku),
    );
  };
}

/** A file that could not be read at all is an error of the request, recorded in the history all the same. */
export function refuseRefused(report: FeedImportReport): void {
  if (report.status === 'refused')
    throw new InputError('body', `the feed file was refused (import ${report.id}): ${report.refused}`);
}

function reportOf(row: {
  report: string;
  status: string;
  decided_at: number | null;
  decided_by: string | null;
}): FeedImportReport & { decidedAt: string | null; decidedBy: string | null } {
  return {
    ...(JSON.parse(row.report) as FeedImportReport),
    status: row.status as FeedImportReport['status'],
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at).toISOString(),
    decidedBy: row.decided_by,
  };
}
