import { hashToken, newToken } from '../infra/tokens.ts';
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
    tx
      .insertInto('api_keys')
      .values({
        id,
        hash: hashToken(key),
        role,
        label: label ?? null,
        created_at: ctx.clock.now().getTime(),
        revoked_at: null,
      })
      .execute(),
  );
  return { id, key, role };
}

export async function findApiKeyRole(db: Db, key: string): Promise<Role | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['role', 'revoked_at'])
    .where('hash', '=', hashToken(key))
    .executeTakeFirst();
  return row && row.revoked_at === null ? (row.role as Role) : null;
}
