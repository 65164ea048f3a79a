import type { Kysely } from 'kysely';

/**
 * Signed links that open one purchase order in the supplier portal (the email transport puts one in every PO it
 * mails). Kept by the SHA-256 of their random token, as sign-in links are, so a copy of the database opens nothing.
 * A link signs its holder in as the supplier's link user (`user_id`, one per supplier, made with its first link) and
 * stays usable until `expires_at`: a supplier opens the same email to acknowledge today and to ship next week.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('portal_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('po_number', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  // Issuing a link clears the supplier's expired ones: this index finds them.
  await db.schema
    .createIndex('portal_links_by_supplier')
    .on('portal_links')
    .columns(['supplier_id', 'expires_at'])
    .execute();
}
