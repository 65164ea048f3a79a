/**
 * The supplier feed bench, in processes of its own (`node --import tsx bench/feed.ts seed DATABASE_URL DIR`, then
 * `… measure next|previous DATABASE_URL DIR`). `seed`: a catalogue of BENCH_FEED_ROWS SKUs offered by one supplier,
 * and its last accepted feed (the same rows, imported untimed). `measure`, in a fresh process as a worker would meet
 * the next feed (nothing of the last one in memory, its code not yet warm): the feed imported and timed, 5 % of its
 * rows changed from the one accepted last (`next` after the seed, `previous` after `next`, and so on): read, diffed,
 * stored (offers, the accepted feed, stock levels) and the channel's deltas computed (the changed levels its stock
 * sync reads), and the process's peak RSS so far; then the baseline, the time to merely read the file into rows.
 * Prints one JSON line of figures on stdout.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import { applySetup } from '../src/app/apply-setup.ts';
import { importFeed } from '../src/app/import-feed.ts';
import { setupDocument } from '../src/app/setup-document.ts';
import { readFeed } from '../src/feeds/read-feed.ts';
import { feedMapping } from '../src/feeds/feed-mapping.ts';
import { createHub, type Hub } from '../src/hub.ts';
import { changedLevels } from '../src/store/stock.repo.ts';

const ROWS = Number(process.env.BENCH_FEED_ROWS ?? 1_000_000);
/** One row in this many changes between the two feeds: 5 %. */
const CHANGE_EVERY = 20;
const SUPPLIER = 'bulk';
const CHANNEL = 'shop';

const MAPPING = {
  format: 'csv',
  header: true,
  defaultCurrency: 'USD',
  columns: {
    supplierSku: 'sku',
    gtin: 'gtin',
    cost: 'cost',
    currency: 'currency',
    stock: 'stock',
    leadDays: 'lead_days',
    shipFromCountry: 'ship_from',
    packSize: 'pack_size',
    minQuantity: 'min_qty',
    map: 'map',
    discontinued: 'discontinued',
  },
} as const;

const sku = (i: number) => `BULK-${String(i).padStart(7, '0')}`;
const supplierSku = (i: number) => `S${String(i).padStart(7, '0')}`;

/** A valid EAN-13 for row i (the check digit computed, so the reader's GTIN check does its full work). */
function ean13(i: number): string {
  const body = `40${String(i).padStart(10, '0')}`;
  let total = 0;
  for (let d = 0; d < 12; d++) total += Number(body[11 - d]) * (d % 2 === 0 ? 3 : 1);
  return body + ((10 - (total % 10)) % 10);
}

/** The feed's CSV: row i's stock and cost, changed in every CHANGE_EVERY-th row of the second feed. */
async function writeFeed(path: string, changed: boolean): Promise<number> {
  const out = createWriteStream(path);
  out.write('sku,gtin,cost,currency,stock,lead_days,ship_from,pack_size,min_qty,map,discontinued\n');
  let chunk = '';
  for (let i = 0; i < ROWS; i++) {
    const bump = changed && i % CHANGE_EVERY === 0 ? 1 : 0;
    const cents = 500 + ((i * 37) % 9000) + bump * 25;
    const stock = ((i * 13) % 200) + bump * 3;
    chunk += `${supplierSku(i)},${ean13(i)},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},USD,${stock},${i % 7},US,1,1,${Math.floor(cents / 50)}.99,${i % 97 === 0 ? 1 : 0}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return ROWS;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode = args[0];
  // `measure next` imports the changed feed, `measure previous` the first one again: each 5 % changed from the other.
  const which = mode === 'measure' ? args[1] : undefined;
  const [databaseUrl, dir] = args.slice(mode === 'measure' ? 2 : 1);
  if (
    (mode !== 'seed' && mode !== 'measure') ||
    (mode === 'measure' && which !== 'next' && which !== 'previous') ||
    !databaseUrl ||
    !dir
  )
    throw new Error('usage: bench/feed.ts seed|measure next|previous DATABASE_URL DIR');
  const previousFile = join(dir, 'feed-previous.csv');
  const nextFile = join(dir, 'feed-next.csv');
  if (mode === 'seed') {
    await writeFeed(previousFile, false);
    await writeFeed(nextFile, true);
  }
  const hub = await createHub({
    databaseUrl,
    secretKey: Buffer.alloc(32, 9).toString('base64'),
    migrate: true,
    worker: false,
    http: false,
    logLevel: 'silent',
  });
  try {
    if (mode === 'seed') await seed(hub, previousFile);
    else await measure(hub, which === 'next' ? nextFile : previousFile);
  } finally {
    await hub.close(1_000);
  }
}

async function seed(hub: Hub, previousFile: string): Promise<void> {
  await applySetup(
    hub.ctx,
    setupDocument.parse({
      apiVersion: 'waybill/v1',
      channels: [
        {
          id: CHANNEL,
          kind: 'storefront',
          name: 'Shop',
          currency: 'USD',
          notifyUrl: 'http://127.0.0.1:9/',
          notifySecret: 'bench-notify-secret-000000001',
        },
      ],
      suppliers: [
        {
          id: SUPPLIER,
          name: 'Bulk supplier',
          currency: 'USD',
          transport: {
            kind: 'rest-json',
            url: 'http://127.0.0.1:9/po',
            signingSecret: 'bench-signing-secret-0001',
          },
          // The bench's changes are small; the thresholds stay as a retailer would have them.
          feed: { mapping: MAPPING, kind: 'full', missingSkus: 'zero' },
        },
      ],
    }),
  );
  // The catalogue: products, variants and the supplier's offers, as a setup document would leave them (applying a
  // million products through the setup path would take minutes and is not what is measured).
  const now = Date.now();
  for (let start = 0; start < ROWS; start += 20_000) {
    const ids = Array.from({ length: Math.min(20_000, ROWS - start) }, (_, k) => start + k);
    const doc = JSON.stringify(Object.fromEntries(ids.map((i) => [sku(i), [supplierSku(i)]])));
    await hub.store.transact(async (tx) => {
      await sql`insert into products (id, name, created_at, updated_at)
          select t.key, t.key, ${now}, ${now} from json_each(${doc}) as t`.execute(tx);
      await sql`insert into variants (sku, product_id, name, created_at, updated_at)
          select t.key, t.key, t.key, ${now}, ${now} from json_each(${doc}) as t`.execute(tx);
      await sql`insert into offers (supplier_id, sku, supplier_sku, cost_amount, cost_currency, priority, active,
            stock, updated_at)
          select ${SUPPLIER}, t.key, t.value ->> 0, 1, 'USD', 1, 1, 0, ${now}
          from json_each(${doc}) as t`.execute(tx);
    });
  }
  const seedStart = performance.now();
  const seeded = await importFeed(hub.ctx, {
    supplierId: SUPPLIER,
    source: 'cli',
    fileName: 'feed-previous.csv',
    bytes: readFileSync(previousFile),
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  if (seeded.status !== 'applied' || seeded.added !== ROWS)
    throw new Error(`the seed feed did not apply whole: ${JSON.stringify({ ...seeded, errors: undefined })}`);
  console.log(JSON.stringify({ seedSeconds, seedPeakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function measure(hub: Hub, file: string): Promise<void> {
  const bytes = readFileSync(file);
  const since = Date.now();
  const start = performance.now();
  const report = await importFeed(hub.ctx, {
    supplierId: SUPPLIER,
    source: 'cli',
    fileName: basename(file),
    bytes,
  });
  let deltas = 0;
  for await (const page of changedLevels(hub.store.db, CHANNEL, since, { toldIsAvailable: true }))
    deltas += page.length;
  const seconds = (performance.now() - start) / 1000;
  // Read before the baseline: the import's peak is its own, as in a `waybill feed import` process.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  // The baseline after the import, so the import meets the reader's code cold, as a fresh process does.
  const parseStart = performance.now();
  let parsed = 0;
  for await (const batch of readFeed(bytes, feedMapping.parse(MAPPING))) parsed += batch.rows.length;
  const parseSeconds = (performance.now() - parseStart) / 1000;

  const expectedChanged = Math.ceil(ROWS / CHANGE_EVERY);
  if (parsed !== ROWS) throw new Error(`read ${parsed} rows of ${ROWS}`);
  if (
    report.status !== 'applied' ||
    report.changed !== expectedChanged ||
    report.unchanged !== ROWS - expectedChanged
  )
    throw new Error(
      `the changed feed did not apply as expected: ${JSON.stringify({ ...report, errors: undefined })}`,
    );
  // Every changed row's stock moved, except the discontinued ones (they count as none either way).
  if (deltas === 0) throw new Error('no channel delta was computed');
  console.log(
    JSON.stringify({
      rows: ROWS,
      bytes: bytes.length,
      changed: report.changed,
      deltas,
      seconds,
      parseSeconds,
      peakRssMb,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
