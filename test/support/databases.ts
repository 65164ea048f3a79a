import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';

export type DialectName = 'sqlite' | 'postgres';
export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  dialect: DialectName;
  /** A DATABASE_URL for a database of its own (a fresh SQLite file, or a fresh PostgreSQL database). */
  url: string;
  drop(): Promise<void>;
}

/**
 * Runs `body` once per database, like Kysely's own tests. PostgreSQL runs when WAYBILL_TEST_PG is set; otherwise it
 * is skipped with a visible reason, and with WAYBILL_TEST_REQUIRE=all (CI) the skip is a failure instead.
 *
 * @example
 * describeEachDatabase('orders', (dialect) => { it('takes an order', async () => { const db = await createTestDatabase(dialect); ... }); });
 */
export function describeEachDatabase(title: string, body: (dialect: DialectName) => void): void {
  for (const dialect of DIALECTS) {
    if (dialect === 'postgres' && !process.env.WAYBILL_TEST_PG) {
      if (process.env.WAYBILL_TEST_REQUIRE === 'all') {
        describe(`${title} [postgres]`, () => {
          it('runs on PostgreSQL', () => {
            throw new Error(
              'WAYBILL_TEST_REQUIRE=all, but WAYBILL_TEST_PG is not set: PostgreSQL tests cannot run',
            );
          });
        });
      } else {
        describe.skip(`${title} [postgres] (skipped: set WAYBILL_TEST_PG to run)`, () =>
          it.skip('needs PostgreSQL'));
      }
      continue;
    }
    describe(`${title} [${dialect}]`, () => body(dialect));
  }
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'waybill-test-'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'waybill.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.WAYBILL_TEST_PG!;
  const name = `waybill_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await withClient(admin, (c) => c.query(`create database ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    drop: () =>
      withClient(admin, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
