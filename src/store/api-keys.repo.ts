import type { Db } from './schema.ts';

/** An API key as stored: only the hash of the key itself. */
export interface NewApiKey {
  id: string;
  hash: string;
  role: string;
  label: string | null;
  createdAt: number;
}

/** Stores a new, unrevoked API key. */
export async function insertApiKey(tx: Db, key: NewApiKey): Promise<void> {
  await tx
    .insertInto('api_keys')
    .values({
      id: key.id,
      hash: key.hash,
      role: key.role,
      label: key.label,
      created_at: key.createdAt,
      revoked_at: null,
    })
    .execute();
}

/** The role of the API key with this hash and when it was revoked (null: still valid); undefined for no key. */
export async function findApiKeyByHash(
  db: Db,
  hash: string,
): Promise<{ role: string; revokedAt: number | null } | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['role', 'revoked_at'])
    .where('hash', '=', hash)
    .executeTakeFirst();
  return row && { role: row.role, revokedAt: row.revoked_at };
}

/** Every API key (never a key itself: only its hash is stored, and that is not listed either), newest first. */
export async function listApiKeys(
  db: Db,
): Promise<
  { id: string; role: string; label: string | null; createdAt: number; revokedAt: number | null }[]
> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['id', 'role', 'label', 'created_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    role: r.role,
    label: r.label,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  }));
}

/** Revokes the key (once: a second revoke keeps the first time); false when there is no such key. */
export async function revokeApiKey(tx: Db, id: string, now: number): Promise<boolean> {
  const found = await tx.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
  if (!found) return false;
  await tx
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return true;
}
