import type { Db } from './schema.ts';
import { statement } from './statement.ts';

// The retailer's routing rules, one row per version: a version is never changed, a new one is added.

// Read by every intake batch: prepared (statement.ts).
const latestVersion = statement((db) =>
  db.selectFrom('routing_rules').select('version').orderBy('version', 'desc').limit(1),
);

/** The newest version's number, or null when the retailer never wrote any. */
export async function findLatestRulesVersion(db: Db): Promise<number | null> {
  const [row] = (await latestVersion.run(db, {})).rows;
  return row?.version ?? null;
}

/** One version's rules as stored (JSON), with when they were saved. */
export async function findRulesVersion(
  db: Db,
  version: number,
): Promise<{ version: number; rules: string; createdAt: number } | undefined> {
  const row = await db
    .selectFrom('routing_rules')
    .select(['version', 'rules', 'created_at'])
    .where('version', '=', version)
    .executeTakeFirst();
  return row && { version: row.version, rules: row.rules, createdAt: row.created_at };
}

export async function insertRulesVersion(tx: Db, version: number, rules: string, now: number): Promise<void> {
  await tx.insertInto('routing_rules').values({ version, rules, created_at: now }).execute();
}

/** Every node id (suppliers and warehouses) with its kind: rules may name only these. */
export async function listNodeKinds(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('suppliers').select(['id', 'node_kind']).execute();
  return new Map(rows.map((r) => [r.id, r.node_kind]));
}
