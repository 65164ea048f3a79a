import type { Kysely } from 'kysely';

/**
 * What the file and EDI transports keep (EDI X12 and CSV over SFTP, email):
 *
 * - `edi_control_numbers`: each outbound document's interchange control number per supplier (ISA13, and GS06 and
 *   ST02 with it), allocated once per subject (`850:PO-1`), so a resend repeats its envelope; unique per supplier.
 *   The supplier's functional acknowledgement (997) of it is recorded on the same row.
 * - `supplier_files`: the ledger of answer files taken from a supplier, by name, size and SHA-256: the same file
 *   uploaded again is not applied twice; a refused one keeps its reason for the operator's list; `settled_at` once
 *   it was moved away (archive or aside) and its reply sent.
 * - `supplier_invoices`: invoices as received (EDI 810, CSV), to be matched against POs and shipments.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('edi_control_numbers')
    .addColumn('supplier_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('receipt', 'text')
    .addColumn('receipt_errors', 'text')
    .addColumn('receipt_at', 'bigint')
    .addPrimaryKeyConstraint('edi_control_numbers_pk', ['supplier_id', 'subject'])
    .execute();
  await db.schema
    .createIndex('edi_control_numbers_by_number')
    .on('edi_control_numbers')
    .columns(['supplier_id', 'number'])
    .unique()
    .execute();

  await db.schema
    .createTable('supplier_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('supplier_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('settled_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('supplier_files_by_identity')
    .on('supplier_files')
    .columns(['supplier_id', 'name', 'size', 'sha256'])
    .unique()
    .execute();
  await db.schema
    .createIndex('supplier_files_by_supplier')
    .on('supplier_files')
    .columns(['supplier_id', 'received_at', 'id'])
    .execute();

  await db.schema
    .createTable('supplier_invoices')
    .addColumn('supplier_id', 'text', (c) => c.notNull())
    .addColumn('invoice_number', 'text', (c) => c.notNull())
    .addColumn('po_number', 'text', (c) => c.notNull())
    .addColumn('invoiced_on', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('file_id', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('supplier_invoices_pk', ['supplier_id', 'invoice_number'])
    .execute();
}
