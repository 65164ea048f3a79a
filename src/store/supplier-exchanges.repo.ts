import type { Db } from './schema.ts';
import { ROWS_PER_STATEMENT } from './statement.ts';

// What the file and EDI transports keep: control numbers, the ledger of answer files, invoices as received.

/** The highest interchange control number X12 allows (ISA13 is nine digits). */
const LAST_CONTROL_NUMBER = 999_999_999;

/**
 * The control number of `subject` for this supplier: the one it already has, or the next of the supplier's sequence
 * (after the last allocated; wrapping to 1 after 999,999,999 over numbers long unused is left to a later need).
 * With `rowLocks` (PostgreSQL) the supplier's row is locked first, so two workers allocate one after the other.
 */
export async function allocateControlNumber(
  tx: Db,
  supplierId: string,
  subject: string,
  now: number,
  rowLocks: boolean,
): Promise<number> {
  const find = () =>
    tx
      .selectFrom('edi_control_numbers')
      .select('number')
      .where('supplier_id', '=', supplierId)
      .where('subject', '=', subject)
      .executeTakeFirst();
  const had = await find();
  if (had) return Number(had.number);
  if (rowLocks)
    await tx.selectFrom('suppliers').select('id').where('id', '=', supplierId).forUpdate().execute();
  const again = rowLocks ? await find() : undefined;
  if (again) return Number(again.number);
  const last = await tx
    .selectFrom('edi_control_numbers')
    .select((eb) => eb.fn.max('number').as('last'))
    .where('supplier_id', '=', supplierId)
    .executeTakeFirst();
  const number = Number(last?.last ?? 0) + 1;
  if (number > LAST_CONTROL_NUMBER)
    throw new Error(`supplier ${supplierId} has used every interchange control number`);
  await tx
    .insertInto('edi_control_numbers')
    .values({ supplier_id: supplierId, subject, number, created_at: now })
    .execute();
  return number;
}

/** Records the supplier's 997s of what Waybill sent; returns the subjects they answered (unknown numbers left out). */
export async function recordReceipts(
  tx: Db,
  supplierId: string,
  receipts: readonly { controlNumber: number; accepted: boolean; errors: string[] }[],
  now: number,
): Promise<{ subject: string; accepted: boolean; errors: string[] }[]> {
  const answered: { subject: string; accepted: boolean; errors: string[] }[] = [];
  for (const receipt of receipts) {
    const row = await tx
      .updateTable('edi_control_numbers')
      .set({
        receipt: receipt.accepted ? 'accepted' : 'rejected',
        receipt_errors: JSON.stringify(receipt.errors),
        receipt_at: now,
      })
      .where('supplier_id', '=', supplierId)
      .where('number', '=', receipt.controlNumber)
      .returning('subject')
      .executeTakeFirst();
    if (row) answered.push({ subject: row.subject, accepted: receipt.accepted, errors: receipt.errors });
  }
  return answered;
}

/** Outbound documents of this subject kind (`850:`) sent before `sentBefore` that no 997 has answered yet. */
export async function listUnreceipted(
  db: Db,
  supplierId: string,
  subjectPrefix: string,
  sentBefore: number,
  limit: number,
): Promise<{ subject: string; number: number; createdAt: number }[]> {
  const rows = await db
    .selectFrom('edi_control_numbers')
    .select(['subject', 'number', 'created_at'])
    .where('supplier_id', '=', supplierId)
    .where('receipt', 'is', null)
    .where('created_at', '<', sentBefore)
    .where('subject', 'like', `${subjectPrefix}%`)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ subject: r.subject, number: Number(r.number), createdAt: Number(r.created_at) }));
}

export interface SupplierFileRow {
  id: string;
  supplierId: string;
  name: string;
  size: number;
  sha256: string;
  /** A file seen again (the same name, size and bytes) is not recorded twice: `duplicate` is never stored. */
  outcome: 'taken' | 'refused';
  reason: string | null;
  receivedAt: number;
  settledAt: number | null;
}

function fileOf(r: {
  id: string;
  supplier_id: string;
  name: string;
  size: number;
  sha256: string;
  outcome: string;
  reason: string | null;
  received_at: number;
  settled_at: number | null;
}): SupplierFileRow {
  return {
    id: r.id,
    supplierId: r.supplier_id,
    name: r.name,
    size: Number(r.size),
    sha256: r.sha256,
    outcome: r.outcome as SupplierFileRow['outcome'],
    reason: r.reason,
    receivedAt: Number(r.received_at),
    settledAt: r.settled_at === null ? null : Number(r.settled_at),
  };
}

/** The ledger's key of a file: the same name, size and bytes. */
export function supplierFileKey(file: { name: string; size: number; sha256: string }): string {
  return `${file.sha256}\n${file.size}\n${file.name}`;
}

/** The ledger's entries of these files (by `supplierFileKey`), those seen before, in one statement per chunk. */
export async function findSupplierFiles(
  db: Db,
  supplierId: string,
  files: readonly { name: string; size: number; sha256: string }[],
): Promise<Map<string, SupplierFileRow>> {
  const found = new Map<string, SupplierFileRow>();
  const hashes = [...new Set(files.map((f) => f.sha256))];
  for (let i = 0; i < hashes.length; i += ROWS_PER_STATEMENT) {
    const rows = await db
      .selectFrom('supplier_files')
      .selectAll()
      .where('supplier_id', '=', supplierId)
      .where('sha256', 'in', hashes.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
    for (const row of rows.map(fileOf)) found.set(supplierFileKey(row), row);
  }
  return found;
}

export async function recordSupplierFile(tx: Db, row: SupplierFileRow): Promise<void> {
  await tx
    .insertInto('supplier_files')
    .values({
      id: row.id,
      supplier_id: row.supplierId,
      name: row.name,
      size: row.size,
      sha256: row.sha256,
      outcome: row.outcome,
      reason: row.reason,
      received_at: row.receivedAt,
      settled_at: row.settledAt,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function markSupplierFilesSettled(tx: Db, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await tx.updateTable('supplier_files').set({ settled_at: now }).where('id', 'in', ids).execute();
}

/** A supplier's files, newest first, for the operator's list; `outcome` filters (e.g. the refused ones). */
export async function listSupplierFiles(
  db: Db,
  supplierId: string,
  options: {
    outcome?: string | undefined;
    limit: number;
    before?: { receivedAt: number; id: string } | undefined;
  },
): Promise<SupplierFileRow[]> {
  let query = db.selectFrom('supplier_files').selectAll().where('supplier_id', '=', supplierId);
  if (options.outcome) query = query.where('outcome', '=', options.outcome);
  if (options.before) {
    const { receivedAt, id } = options.before;
    query = query.where((eb) =>
      eb.or([
        eb('received_at', '<', receivedAt),
        eb.and([eb('received_at', '=', receivedAt), eb('id', '<', id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map(fileOf);
}

export interface SupplierInvoiceRow {
  supplierId: string;
  invoiceNumber: string;
  poNumber: string;
  invoicedOn: string;
  currency: string;
  total: number;
  lines: { lineNumber: number; supplierSku: string; quantity: number; unitCost: number }[];
  fileId: string | null;
  receivedAt: number;
}

/** Keeps invoices as received; one the supplier sends again (same number) is kept once, the first. */
export async function saveSupplierInvoices(tx: Db, invoices: readonly SupplierInvoiceRow[]): Promise<void> {
  if (invoices.length === 0) return;
  await tx
    .insertInto('supplier_invoices')
    .values(
      invoices.map((i) => ({
        supplier_id: i.supplierId,
        invoice_number: i.invoiceNumber,
        po_number: i.poNumber,
        invoiced_on: i.invoicedOn,
        currency: i.currency,
        total: i.total,
        lines: JSON.stringify(i.lines),
        file_id: i.fileId,
        received_at: i.receivedAt,
      })),
    )
    .onConflict((oc) => oc.columns(['supplier_id', 'invoice_number']).doNothing())
    .execute();
}

export async function listSupplierInvoices(db: Db, supplierId: string): Promise<SupplierInvoiceRow[]> {
  const rows = await db
    .selectFrom('supplier_invoices')
    .selectAll()
    .where('supplier_id', '=', supplierId)
    .orderBy('received_at')
    .orderBy('invoice_number')
    .execute();
  return rows.map((r) => ({
    supplierId: r.supplier_id,
    invoiceNumber: r.invoice_number,
    poNumber: r.po_number,
    invoicedOn: r.invoiced_on,
    currency: r.currency,
    total: Number(r.total),
    lines: JSON.parse(r.lines) as SupplierInvoiceRow['lines'],
    fileId: r.file_id,
    receivedAt: Number(r.received_at),
  }));
}

/** Marks documents whose 997 did not come in the partner's window, so each is flagged once (a late 997 still lands). */
export async function markReceiptsMissing(
  tx: Db,
  supplierId: string,
  subjects: readonly string[],
  now: number,
): Promise<void> {
  if (subjects.length === 0) return;
  await tx
    .updateTable('edi_control_numbers')
    .set({ receipt: 'missing', receipt_at: now })
    .where('supplier_id', '=', supplierId)
    .where('subject', 'in', subjects)
    .where('receipt', 'is', null)
    .execute();
}
