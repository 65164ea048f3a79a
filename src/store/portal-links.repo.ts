import type { Db } from './schema.ts';

// Links that open one purchase order in the supplier portal (src/app/portal-link.ts), by the hash of their token.

export interface PortalLinkRow {
  supplierId: string;
  poNumber: string;
  userId: string;
  expiresAt: number;
}

/** Stores a new link, and clears the supplier's links past their time so its rows stay few. */
export async function insertPortalLink(
  tx: Db,
  link: PortalLinkRow & { tokenHash: string; createdAt: number },
): Promise<void> {
  await tx
    .deleteFrom('portal_links')
    .where('supplier_id', '=', link.supplierId)
    .where('expires_at', '<=', link.createdAt)
    .execute();
  await tx
    .insertInto('portal_links')
    .values({
      token_hash: link.tokenHash,
      supplier_id: link.supplierId,
      po_number: link.poNumber,
      user_id: link.userId,
      created_at: link.createdAt,
      expires_at: link.expiresAt,
    })
    .execute();
}

/** The link with this token hash, if it has not expired at `now`. */
export async function findLivePortalLink(
  db: Db,
  tokenHash: string,
  now: number,
): Promise<PortalLinkRow | undefined> {
  const row = await db
    .selectFrom('portal_links')
    .select(['supplier_id', 'po_number', 'user_id', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return (
    row && {
      supplierId: row.supplier_id,
      poNumber: row.po_number,
      userId: row.user_id,
      expiresAt: Number(row.expires_at),
    }
  );
}

/**
 * The supplier's link user that is not disabled (links sign in as it), and how many it has had: a disabled one
 * revoked its links, and the next is numbered after it.
 */
export async function findLinkUsers(
  db: Db,
  supplierId: string,
  emailPrefix: string,
): Promise<{ live: { id: string } | undefined; count: number }> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'disabled_at'])
    .where('supplier_id', '=', supplierId)
    .where('email', 'like', `${emailPrefix}%`)
    .orderBy('created_at', 'desc')
    .execute();
  const live = rows.find((r) => r.disabled_at === null);
  return { live: live && { id: live.id }, count: rows.length };
}
