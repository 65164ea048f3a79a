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
