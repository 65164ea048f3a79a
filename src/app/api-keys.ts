import { hashToken, newToken } from '../infra/tokens.ts';
import { findApiKeyByHash, insertApiKey, listApiKeys, revokeApiKey } from '../store/api-keys.repo.ts';
import { NotFoundError } from './errors.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';

export const ROLES = ['admin', 'operator', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

/** Creates an API key and returns it: the only time it is ever visible. Only its hash is stored. */
export async function createApiKey(
  ctx: AppContext,
  role: Role,
  label?: string,
): Promise<{ id: string; key: string; role: Role }> {
  const key = newToken('wb');
  const id = ctx.ids.next('key');
  await ctx.store.transact((tx) =>
    insertApiKey(tx, {
      id,
      hash: hashToken(key),
      role,
      label: label ?? null,
      createdAt: ctx.clock.now().getTime(),
    }),
  );
  return { id, key, role };
}

/** The role an API key grants; null for a key that is unknown or revoked. */
export async function findApiKeyRole(db: Db, key: string): Promise<Role | null> {
  const row = await findApiKeyByHash(db, hashToken(key));
  return row && row.revokedAt === null ? (row.role as Role) : null;
}

/** The keys, for an admin's list: who or what each is for, its role, and whether it still works. */
export async function listApiKeyViews(
  db: Db,
): Promise<{ id: string; role: Role; label: string | null; createdAt: string; revokedAt: string | null }[]> {
  return (await listApiKeys(db)).map((k) => ({
    id: k.id,
    role: k.role as Role,
    label: k.label,
    createdAt: new Date(k.createdAt).toISOString(),
    revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  }));
}

/** Revokes an API key: it stops working within the few seconds its role stays cached (src/http/auth.ts). */
export async function revokeKey(ctx: AppContext, id: string): Promise<void> {
  const now = ctx.clock.now().getTime();
  if (!(await ctx.store.transact((tx) => revokeApiKey(tx, id, now))))
    throw new NotFoundError(`API key ${id}`);
}
