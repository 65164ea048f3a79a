import type { Kysely } from 'kysely';

/**
 * A channel's settings live in `config`, whatever its kind (its adapter declares them): the storefront's notifyUrl,
 * its own column until now, joins the rest there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const kysely = db as Kysely<{
    channels: { id: string; kind: string; notify_url: string | null; config: string | null };
  }>;
  const storefronts = await kysely
    .selectFrom('channels')
    .select(['id', 'config', 'notify_url'])
    .where('notify_url', 'is not', null)
    .execute();
  for (const row of storefronts) {
    const config = {
      ...(row.config ? (JSON.parse(row.config) as Record<string, unknown>) : {}),
      notifyUrl: row.notify_url,
    };
    await kysely
      .updateTable('channels')
      .set({ config: JSON.stringify(config) })
      .where('id', '=', row.id)
      .execute();
  }
  await db.schema.alterTable('channels').dropColumn('notify_url').execute();
}
