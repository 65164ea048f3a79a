/**
 * EDI X12 over SFTP (`BENCH_ONLY=edi`), black-box: a retailer with a storefront and one `edi-x12-sftp` supplier on
 * Debian's OpenSSH (sim/sftp-server.ts) on loopback, set up with `waybill apply`; BENCH_EDI_POS (10,000) orders
 * taken by `waybill start --no-worker`, so as many POs wait to be sent. Then:
 * - 850s: one `waybill worker`, timed from its spawn until every PO is `sent`, beside BENCH_EDI_POS atomic uploads
 *   of a file of the 850s' mean size over one connection with the project's SFTP client (no hub);
 * - 855s: the worker stopped, one 855 per PO (written here from the X12 layout, accepting every line) put in the
 *   supplier's `out/`, its `supplier.receive` made due, a worker started again and timed until every PO is
 *   acknowledged, beside the same 855s read and checked in-process by the transport's reader (no I/O).
 * Afterwards `in/` must hold each PO's 850 once and a 997 per 855, and `out/archive` every 855; else the bench fails.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { stringify } from 'yaml';
import { startSftpServer, type SftpServerSim } from '../sim/sftp-server.ts';
import type { Partners } from '../src/connectors/suppliers/edi-x12/x12/envelope.ts';
import { readFile } from '../src/connectors/suppliers/edi-x12/x12/read-file.ts';
import { openSftpFolder } from '../src/infra/sftp-folder.ts';
import { PARTIES, read850, write855, type Ordered850 } from './edi-x12.ts';
import { createOperatorKey, startHub, startWorker, waybill, type HubEnv } from './hub-process.ts';
import { busyCores, cpuSnapshot, processCpuSeconds } from './machine.ts';
import { openReader, waitUntil, type DbName, type DbReader } from './pipeline.ts';
import { result, round, type BenchResult } from './report.ts';

const CHANNEL = 'storefront';
const SUPPLIER = 'edi-partner';
const SKU = 'EDI-MUG';
/** Orders in flight at once while queueing them: enough to keep the API busy, not a load test. */
const ORDER_CONNECTIONS = 16;
const FILE_850 = /^(.+)\.850\.(\d{9})\.edi$/;
const FILE_997 = /^997\.\d{9}\.edi$/;

/** A count that is not what it must be: a lost or doubled PO or file fails the bench, whatever the rate. */
export class EdiCheckError extends Error {}

export interface EdiOutcome {
  results: BenchResult[];
  summaries: string[];
}

/** The whole scenario on one fresh database (`env`) with its logs in `dir`. */
export async function runEdi(db: DbName, env: HubEnv, dir: string, pos: number): Promise<EdiOutcome> {
  const server = await startSftpServer({ implementation: 'openssh' });
  try {
    for (const folder of ['in', 'out']) mkdirSync(join(server.root, folder));
    await prepare(env, dir, server, pos);
    const reader = await openReader(env);
    try {
      return await measure(db, env, dir, server, reader, pos);
    } finally {
      await reader.close();
    }
  } finally {
    await server.stop();
  }
}

/** migrate, apply, an operator key, then `pos` orders of one line each through the API with no worker. */
async function prepare(env: HubEnv, dir: string, server: SftpServerSim, pos: number): Promise<void> {
  await waybill(env, ['migrate']);
  const setupFile = join(dir, 'setup.yaml');
  writeFileSync(setupFile, setupYaml(server, pos));
  await waybill(env, ['apply', setupFile]);
  const apiKey = await createOperatorKey(env);
  const hub = await startHub(env);
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: ORDER_CONNECTIONS }, async () => {
        for (let i = next++; i < pos; i = next++) {
          const response = await fetch(`${hub.url}/api/v1/channels/${CHANNEL}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
            body: JSON.stringify(orderBody(i)),
          });
          if (response.status !== 201)
            throw new EdiCheckError(`order ${i} answered ${response.status}: ${await response.text()}`);
        }
      }),
    );
    console.log(`edi: ${pos} orders queued in ${round((performance.now() - t0) / 1000, 1)} s`);
  } finally {
    await hub.stop();
  }
}

function setupYaml(server: SftpServerSim, pos: number): string {
  return stringify({
    apiVersion: 'waybill/v1',
    retailer: { name: 'Bench Retailer' },
    channels: [{ id: CHANNEL, kind: 'storefront', name: 'Bench storefront', currency: 'USD' }],
    suppliers: [
      {
        id: SUPPLIER,
        name: 'EDI partner',
        currency: 'USD',
        transport: {
          kind: 'edi-x12-sftp',
          host: server.host,
          port: server.port,
          username: server.username,
          privateKey: server.privateKey,
          hostKeySha256: server.hostKeySha256,
          interchangeId: PARTIES.waybill,
          partnerId: PARTIES.partner,
        },
      },
    ],
    products: [
      {
        sku: SKU,
        name: 'Bench mug',
        offers: [
          {
            supplier: SUPPLIER,
            supplierSku: 'P-EDI-MUG',
            cost: { amount: 450, currency: 'USD' },
            priority: 1,
            stock: pos * 10,
          },
        ],
      },
    ],
  });
}

function orderBody(i: number) {
  return {
    externalId: `edi-${i}`,
    currency: 'USD',
    customer: { email: `buyer${i}@example.com`, name: 'Ann Smith' },
    shippingAddress: {
      name: 'Ann Smith',
      line1: '1 Main St',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'US',
    },
    lines: [{ sku: SKU, quantity: 1 + (i % 3), unitPrice: 1299 }],
  };
}

/** One phase's worker, from its spawn until `done` counts `pos`: seconds, and its CPU and the machine's. */
interface Timed {
  seconds: number;
  /** Spawn until it printed that it runs: node, the CLI, opening the database. */
  startupS: number;
  workerCpuS: number;
  machineCores: number;
  /** From the worker's log: jobs that failed an attempt and will retry, and times a supplier's circuit opened. */
  retries: number;
  circuitOpened: number;
}

async function timedWorker(
  env: HubEnv,
  logFile: string,
  what: string,
  pos: number,
  reader: DbReader,
  done: string,
  after?: () => Promise<void>,
): Promise<Timed> {
  const machine0 = cpuSnapshot();
  const t0 = performance.now();
  const worker = await startWorker(env, logFile);
  try {
    const startupS = (performance.now() - t0) / 1000;
    const watched = [{ name: 'the worker', exited: worker.exited }];
    await waitUntil(
      what,
      pos,
      () => reader.count(done),
      () => reader.jobStates(),
      watched,
    );
    const seconds = (performance.now() - t0) / 1000;
    await after?.();
    const workerCpuS = processCpuSeconds(worker.pid) ?? Number.NaN;
    const machineCores = busyCores(machine0, cpuSnapshot());
    return { seconds, startupS, workerCpuS, machineCores, ...logged(logFile) };
  } finally {
    await worker.stop();
  }
}

/** What the worker's log says went wrong on the way: a retry costs a back-off, an open circuit a probe's wait. */
function logged(logFile: string): { retries: number; circuitOpened: number } {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  return {
    retries: lines.filter((l) => l.includes('"msg":"job will retry"')).length,
    circuitOpened: lines.filter((l) => l.includes('"msg":"supplier circuit opened"')).length,
  };
}

async function measure(
  db: DbName,
  env: HubEnv,
  dir: string,
  server: SftpServerSim,
  reader: DbReader,
  pos: number,
): Promise<EdiOutcome> {
  const inbox = join(server.root, 'in');
  const outbox = join(server.root, 'out');
  const waiting = await reader.count("select count(*) as n from purchase_orders where state = 'pending'");
  if (waiting !== pos) throw new EdiCheckError(`${pos} orders but ${waiting} POs waiting to be sent`);

  console.log(`${db} edi: ${pos} POs waiting; one waybill worker until every 850 is sent`);
  const sent = await timedWorker(
    env,
    join(dir, 'worker-850.log'),
    '850s sent',
    pos,
    reader,
    'select count(*) as n from purchase_orders where sent_at is not null',
  );
  const orders = await check850s(reader, inbox, pos);
  const meanBytes = orders.reduce((n, o) => n + o.bytes, 0) / pos;

  console.log(
    `${db} edi: baseline, ${pos} atomic uploads of ${Math.round(meanBytes)} bytes over one connection`,
  );
  const uploadPerS = await uploadRate(server, pos, Math.round(meanBytes));

  const at = new Date();
  const documents = orders.map((o, i) => write855(o.po, i + 1, at));
  console.log(`${db} edi: baseline, ${pos} 855s read and checked in-process`);
  const parsePerS = parseRate(documents, orders);
  documents.forEach((bytes, i) => writeFileSync(join(outbox, `${orders[i]!.po.poNumber}.855.edi`), bytes));
  // A bench shortcut: the look is due again only 30 s after the worker's last one; make it due now.
  await makeReceiveDue(env);

  console.log(`${db} edi: ${pos} 855s in out/; a waybill worker until every PO is acknowledged`);
  let settledS = 0;
  const acked = await timedWorker(
    env,
    join(dir, 'worker-855.log'),
    '855s applied',
    pos,
    reader,
    "select count(*) as n from purchase_orders where state = 'accepted'",
    // The last look's files are put away (997s written, 855s archived) after its acknowledgements commit.
    async () => {
      const t0 = performance.now();
      await waitForFiles(() => countFiles(join(outbox, 'archive')) >= pos && count997s(inbox) >= pos);
      settledS = (performance.now() - t0) / 1000;
    },
  );
  const replies = await check855s(reader, inbox, outbox, pos);

  const sentPerS = pos / sent.seconds;
  const ackedPerS = pos / acked.seconds;
  const cpuMs = (t: Timed) => round((t.workerCpuS * 1000) / pos, 3);
  const summaries = [
    `${db}.edi: ${pos} POs as 850s in ${round(sent.seconds)} s (${round(sentPerS)}/s; worker startup ${round(sent.startupS)} s, ` +
      `${cpuMs(sent)} ms worker CPU a PO, machine ${round(sent.machineCores)} cores busy, ${sent.retries} retried sends, ` +
      `circuit opened ${sent.circuitOpened}×) against ${round(uploadPerS)} bare ` +
      `uploads/s; ${pos} 855s applied in ${round(acked.seconds)} s (${round(ackedPerS)}/s; ${cpuMs(acked)} ms worker CPU a PO, ` +
      `machine ${round(acked.machineCores)} cores; files put away ${round(settledS, 1)} s later) against ${round(parsePerS)} ` +
      `bare parses/s; ${replies} 997s`,
  ];
  return {
    summaries,
    results: [
      result(`${db}.edi.po_850_per_s`, sentPerS, 'POs/s', uploadPerS, {
        note: `${pos} POs waiting, one waybill worker from its spawn until every PO is sent (an 850 each in in/ via SFTP); baseline: sftp_upload_per_s`,
        seconds: round(sent.seconds),
        worker_startup_s: round(sent.startupS),
        worker_cpu_ms_per_po: cpuMs(sent),
        machine_cores: round(sent.machineCores),
        retries: sent.retries,
        circuit_opened: sent.circuitOpened,
        file_bytes: Math.round(meanBytes),
      }),
      result(`${db}.edi.sftp_upload_per_s`, uploadPerS, 'files/s', null, {
        note: `${pos} putAtomic of ${Math.round(meanBytes)} bytes over one connection (src/infra/sftp-folder.ts), no hub`,
      }),
      result(`${db}.edi.po_855_per_s`, ackedPerS, 'POs/s', parsePerS, {
        note: `${pos} 855 files in out/, supplier.receive made due, one waybill worker from its spawn until every PO is accepted; baseline: x12_parse_per_s`,
        seconds: round(acked.seconds),
        worker_startup_s: round(acked.startupS),
        settled_after_s: round(settledS, 2),
        worker_cpu_ms_per_po: cpuMs(acked),
        machine_cores: round(acked.machineCores),
        retries: acked.retries,
        circuit_opened: acked.circuitOpened,
        replies_997: replies,
      }),
      result(`${db}.edi.x12_parse_per_s`, parsePerS, 'files/s', null, {
        note: `the same ${pos} 855s read and checked in-process by edi-x12/x12/read-file.ts readFile, no I/O`,
      }),
    ],
  };
}

/** Every PO sent, its 850 in `in/` once and nothing else there; the POs as the partner reads them, for the 855s. */
async function check850s(
  reader: DbReader,
  inbox: string,
  pos: number,
): Promise<{ po: Ordered850; bytes: number }[]> {
  const sent = await reader.count('select count(*) as n from purchase_orders where sent_at is not null');
  const names = readdirSync(inbox);
  const files = names.filter((n) => FILE_850.test(n));
  const numbers = new Set(files.map((n) => FILE_850.exec(n)![1]));
  if (sent !== pos || files.length !== pos || numbers.size !== pos || names.length !== pos)
    throw new EdiCheckError(
      `${pos} POs: ${sent} sent, ${files.length} 850 files for ${numbers.size} POs, ${names.length} entries in in/`,
    );
  return files.map((name) => {
    const bytes = readFileSync(join(inbox, name));
    const po = read850(bytes);
    if (!name.startsWith(`${po.poNumber}.`)) throw new EdiCheckError(`${name} holds PO ${po.poNumber}`);
    return { po, bytes: bytes.length };
  });
}

/** Every PO accepted, every 855 archived and answered by an accepting 997, nothing refused or left behind. */
async function check855s(reader: DbReader, inbox: string, outbox: string, pos: number): Promise<number> {
  const accepted = await reader.count("select count(*) as n from purchase_orders where state = 'accepted'");
  const taken = await reader.count("select count(*) as n from supplier_files where outcome = 'taken'");
  const archived = countFiles(join(outbox, 'archive'));
  const refused = countFiles(join(outbox, 'refused'));
  const left = readdirSync(outbox).filter((n) => n !== 'archive' && n !== 'refused').length;
  const replies = readdirSync(inbox).filter((n) => FILE_997.test(n));
  const positive = replies.filter((n) =>
    readFileSync(join(inbox, n), 'latin1').includes('AK9*A*1*1*1~'),
  ).length;
  if ([accepted, taken, archived, replies.length, positive].some((n) => n !== pos) || refused || left)
    throw new EdiCheckError(
      `${pos} 855s: ${accepted} POs accepted, ${taken} files taken, ${archived} archived, ${refused} refused, ` +
        `${left} left in out/, ${replies.length} 997s (${positive} accepting)`,
    );
  return replies.length;
}

/** The bare SFTP rate: `count` atomic uploads of `size` bytes, in order, over one connection to the same server. */
async function uploadRate(server: SftpServerSim, count: number, size: number): Promise<number> {
  mkdirSync(join(server.root, 'baseline'));
  const folder = await openSftpFolder({
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: server.privateKey,
    hostKeySha256: server.hostKeySha256,
    folder: 'baseline',
    readyTimeoutMs: 10_000,
    operationTimeoutMs: 30_000,
  });
  try {
    const bytes = Buffer.alloc(size, 'X');
    const t0 = performance.now();
    for (let i = 0; i < count; i += 1)
      await folder.putAtomic(`B${i}.850.${String(i).padStart(9, '0')}.edi`, bytes);
    const rate = count / ((performance.now() - t0) / 1000);
    const uploaded = countFiles(join(server.root, 'baseline'));
    if (uploaded !== count) throw new EdiCheckError(`${count} uploads but ${uploaded} files`);
    return rate;
  } finally {
    await folder.close();
  }
}

/** The bare X12 rate: each 855 read and checked by the transport's reader, and it must accept each for its PO. */
function parseRate(documents: readonly Buffer[], orders: readonly { po: Ordered850 }[]): number {
  const partners: Partners = {
    us: { qualifier: 'ZZ', id: PARTIES.waybill, application: PARTIES.waybill },
    them: { qualifier: 'ZZ', id: PARTIES.partner, application: PARTIES.partner },
    usage: 'P',
    ackRequested: false,
    delimiters: { element: '*', segment: '~', component: '>' },
    newline: false,
  };
  const t0 = performance.now();
  let acknowledged = 0;
  for (let i = 0; i < documents.length; i += 1) {
    const reading = readFile(documents[i]!, partners, { fallbackCurrency: 'USD' });
    const ack = reading.documents?.acknowledgements[0];
    if (reading.refused || ack?.poNumber !== orders[i]!.po.poNumber)
      throw new EdiCheckError(`855 ${i} read as ${reading.refused ?? JSON.stringify(reading.documents)}`);
    acknowledged += ack.lines.filter((l) => l.status === 'accepted').length;
  }
  const rate = documents.length / ((performance.now() - t0) / 1000);
  const lines = orders.reduce((n, o) => n + o.po.lines.length, 0);
  if (acknowledged !== lines) throw new EdiCheckError(`${lines} lines but ${acknowledged} read as accepted`);
  return rate;
}

/** The supplier's recurring look (`supplier.receive`), due now: an UPDATE of its run time, while no worker runs. */
async function makeReceiveDue(env: HubEnv): Promise<void> {
  const statement = `update jobs set run_at = ${Date.now()} where kind = 'supplier.receive' and state = 'pending'`;
  let changed: number;
  if (env.databaseUrl.startsWith('sqlite:')) {
    const sqlite = new SQLite(env.databaseUrl.slice('sqlite:'.length), { fileMustExist: true });
    try {
      changed = sqlite.prepare(statement).run().changes;
    } finally {
      sqlite.close();
    }
  } else {
    const client = new pg.Client({ connectionString: env.databaseUrl });
    await client.connect();
    try {
      changed = (await client.query(statement)).rowCount ?? 0;
    } finally {
      await client.end();
    }
  }
  if (changed !== 1) throw new EdiCheckError(`${changed} pending supplier.receive jobs, not 1`);
}

function countFiles(folder: string): number {
  try {
    return readdirSync(folder).filter((n) => !n.startsWith('.')).length;
  } catch {
    return 0; // not made yet: nothing moved there
  }
}

function count997s(inbox: string): number {
  return readdirSync(inbox).filter((n) => FILE_997.test(n)).length;
}

/** Polls the SFTP server's folders (on this disk) for at most a minute. */
async function waitForFiles(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (!done()) {
    if (performance.now() > deadline) return; // check855s says what is missing
    await delay(50);
  }
}
