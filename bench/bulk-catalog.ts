/**
 * The stock fan-out's catalogue: N products with tracked stock, one offer each from one supplier, written straight
 * into a migrated database (products, variants, offers, stock_levels) as `waybill apply` would leave them. Applying
 * 100,000 products through the CLI takes ~100 s on the bench machine (13.5 s of it parsing the YAML, ~58 s in the
 * quadratic duplicate-SKU check of apply-setup), far more than the whole bench may take; the rows are the same.
 *
 * The bench also changes stock here (one UPDATE of every SKU in one transaction, which also brings the channels'
 * stock syncs forward as the hub's own supply changes do: src/app/sync-channel-stock.ts wakeStockSyncs) and watches the hub's progress
 * (what it recorded as told, and its stock-sync jobs' errors): the database is the one place both sides see.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

export const fanoutSku = (i: number): string => `FAN-${String(i).padStart(6, '0')}`;
/** Reported supplier stock of SKU i (no safety buffer, nothing reserved: also what it can promise). */
export const fanoutStock = (i: number): number => 20 + (i % 80);
/** The SKU's index back from its name, for the receiver's expected values. */
export const fanoutIndex = (sku: string): number => Number(sku.slice(4));
/**
 * fanoutIndex for a name that may not be a fan-out SKU: -1 unless it is exactly fanoutSku(i). Read digit by digit,
 * as it runs once for every level a store applies.
 */
export function fanoutIndexOf(sku: string): number {
  if (sku.length < 10 || !sku.startsWith('FAN-') || (sku.length > 10 && sku.charCodeAt(4) === 48)) return -1;
  let index = 0;
  for (let at = 4; at < sku.length; at++) {
    const digit = sku.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) return -1;
    index = index * 10 + digit;
  }
  return index;
}

export interface SyncJobError {
  channelId: string;
  state: string;
  attempts: number;
  lastError: string;
}

/** What the fan-out needs from the database, the same on SQLite and PostgreSQL. */
export interface FanoutDb {
  /** Writes `count` products with tracked stock offered by `supplierId`, stamped `now`. */
  seed(count: number, supplierId: string, now: number): Promise<void>;
  /** channel_stock rows per channel: the SKUs the hub has recorded as told. */
  toldCounts(): Promise<Map<string, number>>;
  /** Stock-sync jobs whose last attempt failed. */
  syncErrors(): Promise<SyncJobError[]>;
  /**
   * UPDATE every SKU's on_hand by -1 in one transaction, bringing the stock syncs forward in it as the hub's
   * refreshSupply does (a supply change); resolves after the commit.
   */
  changeAll(now: number): Promise<number>;
  /**
   * Brings the planner's statistics up to date, as autovacuum does within a minute of a bulk load (PostgreSQL): the
   * change is then measured against a database in its steady state, not one seconds after rows were copied in.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The statement of wakeStockSyncs (src/app/sync-channel-stock.ts): due now, unless already due. */
/** As src/jobs/queue.ts wakeJobs: a pending sync is brought forward, a running one runs again when it finishes. */
const WAKE_SYNCS = `update jobs set run_at = $1 where kind = 'channel.stock-sync' and ((state = 'pending' and run_at > $1) or state = 'running')`;

const SYNC_ERRORS = `select payload, state, attempts, last_error from jobs
  where kind = 'channel.stock-sync' and last_error is not null`;

interface SyncErrorRow {
  payload: string;
  state: string;
  attempts: number | string;
  last_error: string;
}

function toSyncError(row: SyncErrorRow): SyncJobError {
  const payload = JSON.parse(row.payload) as { channelId?: string };
  return {
    channelId: payload.channelId ?? '?',
    state: row.state,
    attempts: Number(row.attempts),
    lastError: row.last_error,
  };
}

export function sqliteFanoutDb(path: string): FanoutDb {
  const db = new SQLite(path, { fileMustExist: true });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // The hub's group commit holds the write lock in short bursts; wait for it like the hub's own processes do.
  db.pragma('busy_timeout = 10000');
  return {
    seed: async (count, supplierId, now) => {
      const product = db.prepare(
        'insert into products (id, name, created_at, updated_at) values (?, ?, ?, ?)',
      );
      const variant = db.prepare(
        'insert into variants (sku, product_id, name, gtin, created_at, updated_at) values (?, ?, ?, null, ?, ?)',
      );
      const offer = db.prepare(
        `insert into offers (supplier_id, sku, supplier_sku, cost_amount, cost_currency, priority, active, stock, updated_at)
         values (?, ?, ?, ?, 'USD', 1, 1, ?, ?)`,
      );
      const level = db.prepare(
        'insert into stock_levels (sku, bounded, on_hand, reserved, updated_at) values (?, 1, ?, 0, ?)',
      );
      db.transaction(() => {
        for (let i = 0; i < count; i++) {
          const sku = fanoutSku(i);
          const name = `Fan-out product ${i}`;
          product.run(sku, name, now, now);
          variant.run(sku, sku, name, now, now);
          offer.run(supplierId, sku, `BULK-${i}`, 300 + (i % 700), fanoutStock(i), now);
          level.run(sku, fanoutStock(i), now);
        }
      })();
    },
    toldCounts: async () => {
      const rows = db
        .prepare('select channel_id, count(*) as n from channel_stock group by channel_id')
        .all() as {
        channel_id: string;
        n: number;
      }[];
      return new Map(rows.map((r) => [r.channel_id, r.n]));
    },
    syncErrors: async () => (db.prepare(SYNC_ERRORS).all() as SyncErrorRow[]).map(toSyncError),
    changeAll: async (now) => {
      const update = db.prepare('update stock_levels set on_hand = on_hand - 1, updated_at = ?');
      const wake = db.prepare(WAKE_SYNCS.replaceAll('$1', '@now'));
      return db
        .transaction(() => {
          const changed = update.run(now).changes;
          wake.run({ now });
          return changed;
        })
        .immediate();
    },
    // SQLite's planner needs no statistics for these queries.
    settle: async () => {},
    close: async () => {
      db.close();
    },
  };
}

export async function postgresFanoutDb(url: string): Promise<FanoutDb> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const series = (select: string) => `insert into ${select} from generate_series(0, $1::int - 1) as i`;
  const sku = `'FAN-' || lpad(i::text, 6, '0')`;
  // Parameters in a select list have no type of their own: say which.
  const at = '$2::bigint';
  return {
    seed: async (count, supplierId, now) => {
      await client.query('begin');
      try {
        await client.query(
          series(
            `products (id, name, created_at, updated_at) select ${sku}, 'Fan-out product ' || i, ${at}, ${at}`,
          ),
          [count, now],
        );
        await client.query(
          series(
            `variants (sku, product_id, name, gtin, created_at, updated_at) select ${sku}, ${sku}, 'Fan-out product ' || i, null, ${at}, ${at}`,
          ),
          [count, now],
        );
        await client.query(
          series(
            `offers (supplier_id, sku, supplier_sku, cost_amount, cost_currency, priority, active, stock, updated_at)
             select $3::text, ${sku}, 'BULK-' || i, 300 + i % 700, 'USD', 1, 1, 20 + i % 80, ${at}`,
          ),
          [count, now, supplierId],
        );
        await client.query(
          series(
            `stock_levels (sku, bounded, on_hand, reserved, updated_at) select ${sku}, 1, 20 + i % 80, 0, ${at}`,
          ),
          [count, now],
        );
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    },
    toldCounts: async () => {
      const { rows } = await client.query<{ channel_id: string; n: string }>(
        'select channel_id, count(*) as n from channel_stock group by channel_id',
      );
      return new Map(rows.map((r) => [r.channel_id, Number(r.n)]));
    },
    syncErrors: async () => (await client.query<SyncErrorRow>(SYNC_ERRORS)).rows.map(toSyncError),
    changeAll: async (now) => {
      await client.query('begin');
      try {
        const result = await client.query('update stock_levels set on_hand = on_hand - 1, updated_at = $1', [
          now,
        ]);
        await client.query(WAKE_SYNCS, [now]);
        await client.query('commit');
        return result.rowCount ?? 0;
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    },
    settle: async () => {
      await client.query('analyze');
    },
    close: () => client.end(),
  };
}
