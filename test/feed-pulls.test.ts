import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase, type DialectName } from './support/databases.ts';
import { fakeClock, type FakeClock } from './support/fake-clock.ts';
import { SECRETS, SUPPLIER_TOKENS, startTestHub, type TestHub } from './support/hub.ts';
import { describeWithSshd, startSftpServer, type TestSftpServer } from './support/sftp-server.ts';
import { until } from './support/until.ts';

// Suppliers' feeds pulled on their schedule by the worker's `feed.pull` job, seen through the public surface: the
// setup document, the feed history (GET /api/v1/suppliers/{id}/feeds), the products and stock views. The schedule
// runs on a fake clock given to the hub: a test moves it by the supplier's `everyMinutes` and waits for the job to
// have run (its next turn set past the clock), so no test waits a real hour or sleeps.

const EVERY_MINUTES = 60;
const START = '2027-03-01T09:00:00Z';
const SUPPLIER = 'acme';

/** A feed row per supplier SKU: the cost in dollars as the supplier writes it, and the stock. */
const MAPPING = {
  format: 'csv',
  defaultCurrency: 'USD',
  columns: { supplierSku: 'sku', cost: 'cost', stock: 'qty' },
};
const csv = (rows: [sku: string, cost: string, qty: number][]) =>
  `sku,cost,qty\n${rows.map((r) => r.join(',')).join('\n')}\n`;

interface Offer {
  sku: string;
  cost: number;
  stock: number | null;
}
/** The setup's catalog, before any feed: two products the supplier offers. */
const SET_UP: Offer[] = [
  { sku: 'LAMP-OAK', cost: 2500, stock: 1 },
  { sku: 'MUG-BLUE', cost: 450, stock: 3 },
];

function setupWith(feed: object) {
  return {
    apiVersion: 'waybill/v1',
    channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
    suppliers: [
      {
        id: SUPPLIER,
        name: 'Acme Wholesale',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.prompt,
        // Never called: no order is taken here.
        transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: SECRETS.prompt },
        feed: { mapping: MAPPING, ...feed },
      },
    ],
    products: [
      {
        sku: 'MUG-BLUE',
        name: 'Blue mug',
        offers: [
          { supplier: SUPPLIER, supplierSku: 'A-MUG', cost: { amount: 450, currency: 'USD' }, stock: 3 },
        ],
      },
      {
        sku: 'LAMP-OAK',
        name: 'Oak lamp',
        offers: [
          { supplier: SUPPLIER, supplierSku: 'A-LAMP', cost: { amount: 2500, currency: 'USD' }, stock: 1 },
        ],
      },
    ],
  };
}

interface FeedImport {
  id: string;
  status: string;
  source: string;
  fileName: string | null;
  rows: number;
  added: number;
  changed: number;
  unchanged: number;
  refused?: string;
}

/** A hub with a worker on a fake clock, and what the tests read of it. */
function pulledHub(dialect: DialectName) {
  const state: { t?: TestHub; clock?: FakeClock } = {};
  const t = () => state.t!;
  const clock = () => state.clock!;

  const start = async () => {
    state.clock = fakeClock(START);
    state.t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      clock: state.clock,
    });
  };
  const close = () => state.t?.close();

  const applySetup = async (feed: object) => {
    const applied = await t().api('/api/v1/setup', { body: setupWith(feed) });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  };

  const pullJob = async () =>
    t()
      .hub.store.db.selectFrom('jobs')
      .select(['state', 'run_at', 'attempts', 'last_error'])
      .where('kind', '=', 'feed.pull')
      .where('key', '=', `feed.pull:${SUPPLIER}`)
      .executeTakeFirst();

  /** Waits for the supplier's pull to have run at the clock's present time (its next turn set after it). */
  const pulled = () =>
    until(
      'the feed pull ran',
      async () => {
        const job = await pullJob();
        if (job?.last_error) throw new Error(`the feed pull failed as a job: ${job.last_error}`);
        return job?.state === 'pending' && Number(job.run_at) > clock().now().getTime();
      },
      25_000,
      async () => JSON.stringify(await pullJob()),
    );

  /** The next turn of the schedule: the clock moves by everyMinutes and the pull runs. */
  const nextPull = async () => {
    clock().advance(EVERY_MINUTES * 60_000);
    await pulled();
  };

  /** The supplier's feed history, newest first. */
  const history = async (): Promise<FeedImport[]> => {
    const answer = await t().api(`/api/v1/suppliers/${SUPPLIER}/feeds`);
    expect(answer.status).toBe(200);
    return answer.body.imports;
  };

  /** The supplier's offers as the products view shows them, by SKU. */
  const offers = async (): Promise<Offer[]> => {
    const answer = await t().api('/api/v1/products');
    expect(answer.status).toBe(200);
    return (
      answer.body.products as {
        sku: string;
        offers: { supplierId: string; cost: { amount: number }; stock: number | null }[];
      }[]
    )
      .flatMap((p) =>
        p.offers
          .filter((o) => o.supplierId === SUPPLIER)
          .map((o) => ({ sku: p.sku, cost: o.cost.amount, stock: o.stock })),
      )
      .sort((a, b) => (a.sku < b.sku ? -1 : 1));
  };

  /** Stock on hand per SKU, as the stock view shows it. */
  const onHand = async (): Promise<Record<string, number>> => {
    const answer = await t().api('/api/v1/stock');
    expect(answer.status).toBe(200);
    return Object.fromEntries(
      (answer.body.levels as { sku: string; onHand: number }[]).map((l) => [l.sku, l.onHand]),
    );
  };

  return { t, clock, start, close, applySetup, pullJob, pulled, nextPull, history, offers, onHand };
}

/** A supplier's web server serving one feed file with an ETag, or whatever the test makes it answer instead. */
interface FeedServer {
  url: string;
  seen: IncomingHttpHeaders[];
  serve(answer: Answer): void;
  close(): Promise<void>;
}
type Answer =
  | { kind: 'feed'; body: string; etag: string }
  | { kind: 'dated'; body: string; lastModified: string }
  | { kind: 'raw'; status: number; contentType: string; body: string };

async function startFeedServer(requireAuthorization?: string): Promise<FeedServer> {
  let answer: Answer = { kind: 'raw', status: 503, contentType: 'text/plain', body: 'not ready' };
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url !== '/catalog.csv') return void res.writeHead(404).end();
    if (requireAuthorization !== undefined && req.headers.authorization !== requireAuthorization)
      return void res.writeHead(401, { 'content-type': 'text/plain' }).end('who are you?');
    if (answer.kind === 'raw')
      return void res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
    if (answer.kind === 'dated') {
      res.setHeader('last-modified', answer.lastModified);
      const since = Date.parse(req.headers['if-modified-since'] ?? '');
      if (since >= Date.parse(answer.lastModified)) return void res.writeHead(304).end();
      return void res.writeHead(200, { 'content-type': 'text/csv' }).end(answer.body);
    }
    res.setHeader('etag', answer.etag);
    if (req.headers['if-none-match'] === answer.etag) return void res.writeHead(304).end();
    res.writeHead(200, { 'content-type': 'text/csv' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/catalog.csv`,
    seen,
    serve: (next) => {
      answer = next;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const V1 = csv([
  ['A-MUG', '4.80', 25],
  ['A-LAMP', '26.00', 4],
]);
const AFTER_V1: Offer[] = [
  { sku: 'LAMP-OAK', cost: 2600, stock: 4 },
  { sku: 'MUG-BLUE', cost: 480, stock: 25 },
];
const V2 = csv([
  ['A-MUG', '4.80', 12],
  ['A-LAMP', '26.00', 4],
]);
const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Down for maintenance</title></head><body>Back soon</body></html>\n';

describeEachDatabase('feed pulled over HTTP', (dialect) => {
  const hub = pulledHub(dialect);
  let server: FeedServer | undefined;

  beforeEach(() => hub.start());
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await hub.close();
  });

  /** The supplier pulled from `url` every EVERY_MINUTES, with its first pull (queued by the setup) done. */
  async function pulledFrom(feedServer: FeedServer, http: object = {}) {
    server = feedServer;
    await hub.applySetup({ pull: { http: { url: feedServer.url, everyMinutes: EVERY_MINUTES, ...http } } });
    await hub.pulled();
  }

  it('imports the file of the first pull: an applied import from http, and the offers and stock change', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);

    const [first, ...older] = await hub.history();
    expect(older).toEqual([]);
    expect(first).toMatchObject({
      status: 'applied',
      source: 'http',
      fileName: 'catalog.csv',
      rows: 2,
      added: 2,
    });
    expect(await hub.offers()).toEqual(AFTER_V1);
    expect(await hub.onHand()).toMatchObject({ 'MUG-BLUE': 25, 'LAMP-OAK': 4 });
    // The schedule: the next pull at the supplier's interval.
    expect(Number((await hub.pullJob())!.run_at)).toBe(hub.clock().now().getTime() + EVERY_MINUTES * 60_000);
  });

  it('asks with If-None-Match next time, and a 304 imports nothing and adds nothing to the history', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);
    expect(feed.seen.map((h) => h['if-none-match'])).toEqual([undefined]);
    const before = await hub.history();

    await hub.nextPull();

    expect(feed.seen.map((h) => h['if-none-match'])).toEqual([undefined, '"v1"']);
    expect(await hub.history()).toEqual(before);
    expect(await hub.offers()).toEqual(AFTER_V1);
  });

  it('imports the file again when it changed (a new ETag), applying only what changed', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);
    feed.serve({ kind: 'feed', body: V2, etag: '"v2"' });

    await hub.nextPull();

    expect(feed.seen.at(-1)?.['if-none-match']).toBe('"v1"');
    const imports = await hub.history();
    expect(imports.map((i) => [i.status, i.source])).toEqual([
      ['applied', 'http'],
      ['applied', 'http'],
    ]);
    expect(imports[0]).toMatchObject({ rows: 2, changed: 1, unchanged: 1, added: 0 });
    expect(await hub.offers()).toEqual([
      { sku: 'LAMP-OAK', cost: 2600, stock: 4 },
      { sku: 'MUG-BLUE', cost: 480, stock: 12 },
    ]);
    // And the new ETag is the one asked with from then on.
    await hub.nextPull();
    expect(feed.seen.at(-1)?.['if-none-match']).toBe('"v2"');
    expect((await hub.history()).length).toBe(2);
  });

  it('asks with If-Modified-Since when the server gives only Last-Modified: unchanged skipped, changed imported', async () => {
    const feed = await startFeedServer();
    const monday = 'Mon, 01 Mar 2027 06:00:00 GMT';
    feed.serve({ kind: 'dated', body: V1, lastModified: monday });
    await pulledFrom(feed);
    expect((await hub.history()).map((i) => i.status)).toEqual(['applied']);

    await hub.nextPull();
    expect(feed.seen.map((h) => h['if-modified-since'])).toEqual([undefined, monday]);
    expect((await hub.history()).length).toBe(1);

    const tuesday = 'Tue, 02 Mar 2027 06:00:00 GMT';
    feed.serve({ kind: 'dated', body: V2, lastModified: tuesday });
    await hub.nextPull();
    expect((await hub.history()).map((i) => i.status)).toEqual(['applied', 'applied']);
    expect((await hub.offers()).find((o) => o.sku === 'MUG-BLUE')?.stock).toBe(12);
    await hub.nextPull();
    expect(feed.seen.at(-1)?.['if-modified-since']).toBe(tuesday);
    expect((await hub.history()).length).toBe(2);
  });

  it('records an HTML page served with 200 as a refused pull naming HTML, and leaves the catalog untouched', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);
    feed.serve({ kind: 'raw', status: 200, contentType: 'text/html; charset=utf-8', body: HTML_PAGE });

    await hub.nextPull();

    const [latest, ...older] = await hub.history();
    expect(older.map((i) => i.status)).toEqual(['applied']);
    expect(latest).toMatchObject({ status: 'refused', source: 'http', rows: 0 });
    expect(latest!.refused).toMatch(/HTML/);
    expect(latest!.refused).toContain(feed.url);
    expect(await hub.offers()).toEqual(AFTER_V1);
    expect(await hub.onHand()).toMatchObject({ 'MUG-BLUE': 25, 'LAMP-OAK': 4 });
  });

  it('records an HTML page as refused even when the server calls it text/csv', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);
    feed.serve({ kind: 'raw', status: 200, contentType: 'text/csv', body: HTML_PAGE });

    await hub.nextPull();

    const [latest] = await hub.history();
    expect(latest).toMatchObject({ status: 'refused', source: 'http' });
    expect(latest!.refused).toMatch(/HTML/);
    expect(await hub.offers()).toEqual(AFTER_V1);
  });

  it('records a 404 as a refused pull, and leaves the catalog untouched', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);
    feed.serve({ kind: 'raw', status: 404, contentType: 'text/plain', body: 'no such file' });

    await hub.nextPull();

    const [latest, ...older] = await hub.history();
    expect(older.map((i) => i.status)).toEqual(['applied']);
    expect(latest).toMatchObject({ status: 'refused', source: 'http', rows: 0 });
    expect(latest!.refused).toContain('404');
    expect(await hub.offers()).toEqual(AFTER_V1);
    expect(await hub.onHand()).toMatchObject({ 'MUG-BLUE': 25, 'LAMP-OAK': 4 });
  });

  it('refuses a first pull that finds no feed, and the setup catalog stays as it was', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'raw', status: 404, contentType: 'text/plain', body: 'no such file' });
    await pulledFrom(feed);

    const imports = await hub.history();
    expect(imports.map((i) => [i.status, i.source])).toEqual([['refused', 'http']]);
    expect(imports[0]!.refused).toContain('404');
    expect(await hub.offers()).toEqual(SET_UP);
  });

  it('reads the unchanged file again after the mapping changed, and applies it by the new mapping', async () => {
    // The supplier's file lists what is on order and what is available; the first mapping read the wrong one.
    const file = 'sku,cost,on_order,available\nA-MUG,4.80,100,25\nA-LAMP,26.00,50,4\n';
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: file, etag: '"v1"' });
    const pull = { http: { url: feed.url, everyMinutes: EVERY_MINUTES } };
    const mapped = (stock: string) => ({ ...MAPPING, columns: { ...MAPPING.columns, stock } });
    server = feed;
    await hub.applySetup({ mapping: mapped('on_order'), pull });
    await hub.pulled();
    expect((await hub.offers()).find((o) => o.sku === 'MUG-BLUE')?.stock).toBe(100);

    await hub.applySetup({ mapping: mapped('available'), pull });
    await hub.nextPull();

    const imports = await hub.history();
    expect(imports.map((i) => [i.status, i.source])).toEqual([
      ['applied', 'http'],
      ['applied', 'http'],
    ]);
    expect(imports[0]).toMatchObject({ rows: 2, changed: 2 });
    expect(await hub.offers()).toEqual(AFTER_V1);
  });

  it('does not leave the catalog undone by a setup document applied again unchanged', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);
    expect(await hub.offers()).toEqual(AFTER_V1);

    // The same document again (as a deploy applies it): the supplier's file has not changed either.
    await hub.applySetup({ pull: { http: { url: feed.url, everyMinutes: EVERY_MINUTES } } });
    await hub.nextPull();

    expect(await hub.offers()).toEqual(AFTER_V1);
    expect(await hub.onHand()).toMatchObject({ 'MUG-BLUE': 25, 'LAMP-OAK': 4 });
  });

  it('does not leave the catalog undone by a setup applied again, when the same file comes again under a new ETag', async () => {
    const feed = await startFeedServer();
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed);

    await hub.applySetup({ pull: { http: { url: feed.url, everyMinutes: EVERY_MINUTES } } });
    // The supplier's server regenerates the file: the same rows, a new ETag, so it is read again.
    feed.serve({ kind: 'feed', body: V1, etag: '"v1-again"' });
    await hub.nextPull();

    expect((await hub.history()).map((i) => i.status)).toEqual(['applied', 'applied']);
    expect(await hub.offers()).toEqual(AFTER_V1);
  });

  it('pulls a new address afresh: no validators of the old address, and its file imported', async () => {
    // Both servers number their versions: the old one's "1" says nothing of the new one's file.
    const old = await startFeedServer();
    old.serve({ kind: 'feed', body: V1, etag: '"1"' });
    await pulledFrom(old);
    const moved = await startFeedServer();
    moved.serve({ kind: 'feed', body: V2, etag: '"1"' });
    try {
      await hub.applySetup({ pull: { http: { url: moved.url, everyMinutes: EVERY_MINUTES } } });
      await hub.nextPull();

      // A changed address is pulled at once (the settings woke the pull), without the old address's validators;
      // a later pull of the new address asks with its own.
      expect(moved.seen[0]?.['if-none-match']).toBeUndefined();
      expect(moved.seen.slice(1).map((h) => h['if-none-match'])).toEqual(
        moved.seen.slice(1).map(() => '"1"'),
      );
      expect((await hub.history()).map((i) => i.status)).toEqual(['applied', 'applied']);
      expect((await hub.offers()).find((o) => o.sku === 'MUG-BLUE')?.stock).toBe(12);
    } finally {
      await moved.close();
    }
  });

  it('sends the authorization secret as the Authorization header, and it is nowhere in the history, jobs or events', async () => {
    const token = 'feed-token-7f3c9a1e5b2d48c6';
    const authorization = `Bearer ${token}`;
    const feed = await startFeedServer(authorization);
    feed.serve({ kind: 'feed', body: V1, etag: '"v1"' });
    await pulledFrom(feed, { authorization });

    expect(feed.seen.map((h) => h.authorization)).toEqual([authorization]);
    expect((await hub.history())[0]).toMatchObject({ status: 'applied', source: 'http' });
    // A pull that fails, so its reason is written too: the server turns the token away.
    feed.serve({ kind: 'raw', status: 403, contentType: 'text/plain', body: `token ${token} revoked` });
    await hub.nextPull();
    const [refused] = await hub.history();
    expect(refused).toMatchObject({ status: 'refused', source: 'http' });
    expect(refused!.refused).toContain('403');

    const db = hub.t().hub.store.db;
    const told = {
      history: (await hub.t().api(`/api/v1/suppliers/${SUPPLIER}/feeds`)).body,
      imports: await Promise.all(
        (await hub.history()).map(async (i) => (await hub.t().api(`/api/v1/feeds/${i.id}`)).body),
      ),
      suppliers: (await hub.t().api('/api/v1/suppliers')).body,
      jobs: await db.selectFrom('jobs').selectAll().execute(),
      events: await db.selectFrom('events').selectAll().execute(),
    };
    // Not vacuous: the history, the jobs and the events were read, and hold the pulls.
    expect(told.jobs.some((j) => j.kind === 'feed.pull')).toBe(true);
    expect(told.events.filter((e) => e.type.startsWith('feed.')).map((e) => e.type)).toEqual([
      'feed.applied',
      'feed.refused',
    ]);
    const text = JSON.stringify(told);
    expect(text).not.toContain(token);
    expect(text).not.toContain(authorization);
  });
});

describeWithSshd('feed pulled from an SFTP folder', () => {
  let sshd: TestSftpServer;
  let folders = 0;
  beforeAll(async () => {
    sshd = await startSftpServer();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  describeEachDatabase('SFTP', (dialect) => {
    const hub = pulledHub(dialect);
    beforeEach(() => hub.start());
    afterEach(() => hub.close());

    /** A folder of this test's own under the server's root: its SFTP name, its local path, the processed one. */
    function freshFolder() {
      const name = `inbound-${dialect}-${++folders}`;
      const local = join(sshd.root, name);
      mkdirSync(local);
      return { name, local, processed: join(local, 'processed') };
    }
    const filesIn = (local: string) =>
      existsSync(local)
        ? readdirSync(local, { withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => e.name)
            .sort()
        : [];
    /** A file dropped in the folder, last modified at `at` (SFTP lists whole seconds). */
    function drop(local: string, name: string, body: string, at: string) {
      writeFileSync(join(local, name), body);
      utimesSync(join(local, name), new Date(at), new Date(at));
    }
    const sftpPull = (folder: string, privateKey = sshd.privateKey) => ({
      pull: {
        sftp: {
          host: sshd.host,
          port: sshd.port,
          username: sshd.username,
          privateKey,
          hostKeySha256: sshd.hostKeySha256,
          folder,
          processedFolder: 'processed',
          everyMinutes: EVERY_MINUTES,
        },
      },
    });

    it('imports two files oldest first and moves both to the processed folder', async () => {
      const inbox = freshFolder();
      // Named so that name order is not age order: the newer file sorts first by name.
      drop(
        inbox.local,
        'b-monday.csv',
        csv([
          ['A-MUG', '4.80', 5],
          ['A-LAMP', '26.00', 2],
        ]),
        '2027-02-22T06:00:00Z',
      );
      drop(
        inbox.local,
        'a-tuesday.csv',
        csv([
          ['A-MUG', '4.80', 7],
          ['A-LAMP', '26.00', 2],
        ]),
        '2027-02-23T06:00:00Z',
      );

      await hub.applySetup(sftpPull(inbox.name));
      await hub.pulled();

      const imports = await hub.history();
      // Newest first: Tuesday's file was imported after Monday's.
      expect(imports.map((i) => [i.fileName, i.status, i.source])).toEqual([
        ['a-tuesday.csv', 'applied', 'sftp'],
        ['b-monday.csv', 'applied', 'sftp'],
      ]);
      expect(imports[0]).toMatchObject({ changed: 1, unchanged: 1 });
      // The later file's stock is the one that holds.
      expect(await hub.offers()).toEqual([
        { sku: 'LAMP-OAK', cost: 2600, stock: 2 },
        { sku: 'MUG-BLUE', cost: 480, stock: 7 },
      ]);
      expect(filesIn(inbox.local)).toEqual([]);
      expect(filesIn(inbox.processed)).toEqual(['a-tuesday.csv', 'b-monday.csv']);
    });

    it('leaves a file still being written until it has not changed for a minute, then takes it', async () => {
      const inbox = freshFolder();
      // Modified just now by the hub's clock: the supplier may still be uploading it under its final name.
      drop(inbox.local, 'stock.csv', V1, START);
      await hub.applySetup(sftpPull(inbox.name));
      await hub.pulled();
      expect(await hub.history()).toEqual([]);
      expect(filesIn(inbox.local)).toEqual(['stock.csv']);
      // Looked at again a minute on, not an hour: untouched since, it is taken.
      const job = await hub.pullJob();
      expect(Number(job!.run_at) - hub.clock().now().getTime()).toBe(60_000);
      hub.clock().advance(60_000);
      await hub.pulled();
      expect((await hub.history()).map((i) => [i.fileName, i.status])).toEqual([['stock.csv', 'applied']]);
      expect(filesIn(inbox.processed)).toEqual(['stock.csv']);
    });

    it('does not import a file again: it is gone from the folder, and only a new file is taken next time', async () => {
      const inbox = freshFolder();
      drop(inbox.local, 'stock-1.csv', V1, '2027-02-22T06:00:00Z');
      await hub.applySetup(sftpPull(inbox.name));
      await hub.pulled();
      expect((await hub.history()).map((i) => [i.fileName, i.status])).toEqual([['stock-1.csv', 'applied']]);

      await hub.nextPull();
      expect((await hub.history()).length).toBe(1);
      expect(filesIn(inbox.local)).toEqual([]);

      drop(inbox.local, 'stock-2.csv', V2, '2027-02-23T06:00:00Z');
      await hub.nextPull();
      expect((await hub.history()).map((i) => [i.fileName, i.status])).toEqual([
        ['stock-2.csv', 'applied'],
        ['stock-1.csv', 'applied'],
      ]);
      expect(filesIn(inbox.processed)).toEqual(['stock-1.csv', 'stock-2.csv']);
      expect((await hub.offers()).find((o) => o.sku === 'MUG-BLUE')?.stock).toBe(12);
    });

    it('takes a file dropped again under the same name as a new file, and it replaces the processed one', async () => {
      const inbox = freshFolder();
      drop(inbox.local, 'stock.csv', V1, '2027-02-22T06:00:00Z');
      await hub.applySetup(sftpPull(inbox.name));
      await hub.pulled();

      // The next day's file, under the name the supplier always uses.
      drop(inbox.local, 'stock.csv', V2, '2027-02-23T06:00:00Z');
      await hub.nextPull();

      expect((await hub.history()).map((i) => [i.fileName, i.status, i.changed])).toEqual([
        ['stock.csv', 'applied', 1],
        ['stock.csv', 'applied', 0],
      ]);
      expect(filesIn(inbox.local)).toEqual([]);
      expect(filesIn(inbox.processed)).toEqual(['stock.csv']);
      expect(readFileSync(join(inbox.processed, 'stock.csv'), 'utf8')).toBe(V2);
      expect((await hub.offers()).find((o) => o.sku === 'MUG-BLUE')?.stock).toBe(12);
    });

    it('refuses a file that is not what its name says (a PDF named .csv), with that reason, and takes it', async () => {
      const inbox = freshFolder();
      drop(
        inbox.local,
        'catalog.csv',
        '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n',
        '2027-02-22T06:00:00Z',
      );
      await hub.applySetup(sftpPull(inbox.name));
      await hub.pulled();

      const imports = await hub.history();
      expect(imports.map((i) => [i.fileName, i.status, i.source])).toEqual([
        ['catalog.csv', 'refused', 'sftp'],
      ]);
      expect(imports[0]!.refused).toMatch(/PDF/);
      expect(filesIn(inbox.local)).toEqual([]);
      expect(filesIn(inbox.processed)).toEqual(['catalog.csv']);
      expect(await hub.offers()).toEqual(SET_UP);
    });

    it('records a login with the wrong key as a refused pull with a clear reason, and leaves the files in the folder', async () => {
      const inbox = freshFolder();
      drop(inbox.local, 'stock-1.csv', V1, '2027-02-22T06:00:00Z');
      drop(inbox.local, 'stock-2.csv', V2, '2027-02-23T06:00:00Z');
      const wrongKey = otherKey();

      await hub.applySetup(sftpPull(inbox.name, wrongKey));
      await hub.pulled();

      const imports = await hub.history();
      expect(imports.map((i) => [i.status, i.source])).toEqual([['refused', 'sftp']]);
      expect(imports[0]!.refused).toMatch(/authentication/i);
      expect(imports[0]!.refused).toContain(`${sshd.host}:${sshd.port}`);
      expect(filesIn(inbox.local)).toEqual(['stock-1.csv', 'stock-2.csv']);
      expect(filesIn(inbox.processed)).toEqual([]);
      expect(await hub.offers()).toEqual(SET_UP);
      // Tried again at its next turn, with the same outcome: still refused, still nothing taken.
      await hub.nextPull();
      expect((await hub.history()).map((i) => i.status)).toEqual(['refused', 'refused']);
      expect(filesIn(inbox.local)).toEqual(['stock-1.csv', 'stock-2.csv']);
      // The key is a secret: none of its lines is in the history.
      const text = JSON.stringify(await hub.history());
      for (const line of wrongKey.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')))
        expect(text).not.toContain(line);
    });
  });
});

/** A fresh ed25519 private key, OpenSSH format, that the test server does not know. */
function otherKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-key-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
    return readFileSync(join(dir, 'key'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
