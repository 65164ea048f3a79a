import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { NotFoundError } from '../../app/errors.ts';
import { findSuppliers } from '../../store/partners.repo.ts';
import { listSupplierFiles, listSupplierInvoices } from '../../store/supplier-exchanges.repo.ts';
import { errorResponses } from '../schemas.ts';
import type { Guards } from '../server.ts';

const fileOut = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  outcome: z.enum(['taken', 'refused']),
  reason: z.string().nullable(),
  receivedAt: z.string(),
  settledAt: z.string().nullable(),
});

const invoiceOut = z.object({
  invoiceNumber: z.string(),
  poNumber: z.string(),
  invoicedOn: z.string(),
  total: z.object({ amount: z.number().int(), currency: z.string() }),
  lines: z.array(
    z.object({
      lineNumber: z.number().int(),
      supplierSku: z.string(),
      quantity: z.number().int(),
      unitCost: z.number().int(),
    }),
  ),
  receivedAt: z.string(),
});

/**
 * What a supplier's file transport received (EDI over SFTP, CSV over SFTP): every file taken, seen again or refused
 * (with the reason: the operator's list of files moved aside), and the invoices it sent, kept for matching.
 */
export function supplierFileRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    const supplierOf = async (id: string) => {
      if (!(await findSuppliers(ctx.store.db, [id])).has(id)) throw new NotFoundError(`supplier ${id}`);
    };

    app.get(
      '/api/v1/suppliers/:id/files',
      {
        onRequest: guard.read,
        schema: {
          tags: ['suppliers'],
          summary:
            "The supplier's answer files, newest first: taken or refused (with why); the same file again is not listed twice",
          params: z.object({ id: z.string() }),
          querystring: z.object({
            outcome: z.enum(['taken', 'refused']).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            before: z
              .string()
              .refine((c) => decodeCursor(c) !== undefined, "must be the previous page's `next`")
              .optional(),
          }),
          response: {
            200: z.object({ files: z.array(fileOut), next: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { id } = request.params;
        await supplierOf(id);
        const { outcome, limit, before } = request.query;
        const rows = await listSupplierFiles(ctx.store.db, id, {
          outcome,
          limit: limit + 1,
          before: before ? decodeCursor(before) : undefined,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          files: page.map((f) => ({
            id: f.id,
            name: f.name,
            size: f.size,
            sha256: f.sha256,
            outcome: f.outcome,
            reason: f.reason,
            receivedAt: new Date(f.receivedAt).toISOString(),
            settledAt: f.settledAt === null ? null : new Date(f.settledAt).toISOString(),
          })),
          next:
            rows.length > limit && last
              ? Buffer.from(JSON.stringify([last.receivedAt, last.id])).toString('base64url')
              : null,
        };
      },
    );

    app.get(
      '/api/v1/suppliers/:id/invoices',
      {
        onRequest: guard.read,
        schema: {
          tags: ['suppliers'],
          summary: "The supplier's invoices as received (EDI 810), oldest first, kept to be matched",
          params: z.object({ id: z.string() }),
          response: { 200: z.object({ invoices: z.array(invoiceOut) }), ...errorResponses },
        },
      },
      async (request) => {
        const { id } = request.params;
        await supplierOf(id);
        return {
          invoices: (await listSupplierInvoices(ctx.store.db, id)).map((i) => ({
            invoiceNumber: i.invoiceNumber,
            poNumber: i.poNumber,
            invoicedOn: i.invoicedOn,
            total: { amount: i.total, currency: i.currency },
            lines: i.lines,
            receivedAt: new Date(i.receivedAt).toISOString(),
          })),
        };
      },
    );
  };
}

function decodeCursor(cursor: string): { receivedAt: number; id: string } | undefined {
  try {
    const [receivedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [number, string];
    return typeof receivedAt === 'number' && typeof id === 'string' ? { receivedAt, id } : undefined;
  } catch {
    return undefined;
  }
}
