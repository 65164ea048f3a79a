import { startSupplierSim } from '../sim/supplier.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../sim/shared.ts';

/**
 * The command line as a new user meets it: `node bin/waybill.mjs …` from the repository root, an SQLite file in a
 * folder of its own, and no WAYBILL_SECRET_KEY (so the key is generated into that folder). SQLite only: the other
 * tests cover PostgreSQL through the same code below the CLI.
 */
const ROOT = resolve(import.meta.dirname, '..');
const BIN = 'bin/waybill.mjs';

const ENV_SECRETS = {
  STOREFRONT_NOTIFY_SECRET: 'cli-storefront-notify-secret-01',
  PROMPT_API_TOKEN: 'cli-prompt-token-0123456789abcdef',
  PROMPT_SIGNING_SECRET: 'cli-prompt-signing-secret-0001',
};

const GOOD_YAML = `apiVersion: waybill/v1
retailer:
  name: CLI Retailer
channels:
  - id: storefront
    kind: storefront
    name: CLI storefront
    currency: USD
    notifyUrl: http://127.0.0.1:9/waybill-events
    notifySecret: \${STOREFRONT_NOTIFY_SECRET}
suppliers:
  - id: prompt
    name: Prompt Supply Co.
    currency: USD
    apiToken: \${PROMPT_API_TOKEN}
    ackWithinMinutes: 1440
    transport:
      kind: rest-json
      url: http://127.0.0.1:9/purchase-orders
      signingSecret: \${PROMPT_SIGNING_SECRET}
      timeoutMs: 5000
products:
  - sku: MUG-BLUE
    name: Blue mug
    gtin: "00012345678905"
    offers:
      - supplier: prompt
        supplierSku: P-MUG-1
        cost: { amount: 450, currency: USD }
        priority: 1
`;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let dbFile: string;

/** The environment of a new user: none of the test runner's Waybill settings, only DATABASE_URL (and `extra`). */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (
      name.startsWith('WAYBILL_') ||
      name === 'DATABASE_URL' ||
      name === 'PORT' ||
      name === 'HOST' ||
      name in ENV_SECRETS
    )
      delete env[name];
  return { ...env, DATABASE_URL: `sqlite:${dbFile}`, ...extra };
}

function cli(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 20_000): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: cliEnv(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(
        new Error(
          `waybill ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

function writeYaml(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const EMPTY = { settings: 0, channels: 0, suppliers: 0, variants: 0, offers: 0, api_keys: 0 };

function rowCounts(): typeof EMPTY {
  const db = new SQLite(dbFile, { readonly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return Object.fromEntries(Object.keys(EMPTY).map((t) => [t, count(t)])) as typeof EMPTY;
  } finally {
    db.close();
  }
}

describe('the waybill command line (SQLite)', () => {
  let adminKey = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'waybill-cli-'));
    dbFile = join(dir, 'w.db');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrate creates the database', async () => {
    const run = await cli(['migrate']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^applied: /m);
    expect(existsSync(dbFile)).toBe(true);
    expect(rowCounts()).toEqual(EMPTY);
  });

  it('apply refuses a file with a wrong field, naming its path, and applies nothing', async () => {
    // Everything else in the file is valid: the refusal is all or nothing.
    const file = writeYaml(
      'wrong.yaml',
      GOOD_YAML.replace('url: http://127.0.0.1:9/purchase-orders', 'url: not a url'),
    );
    const run = await cli(['apply', file], ENV_SECRETS);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toContain('suppliers[0].transport.url');
    expect(run.stderr).toContain('nothing was applied');
    expect(run.stdout).not.toMatch(/created/);
    expect(rowCounts()).toEqual(EMPTY);
  });

  it('apply refuses a file that references an unset ${VAR}, naming the field and the variable', async () => {
    const file = writeYaml('setup.yaml', GOOD_YAML);
    const { PROMPT_API_TOKEN: _, ...partial } = ENV_SECRETS;
    const run = await cli(['apply', file], partial);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toContain('suppliers[0].apiToken');
    expect(run.stderr).toContain('PROMPT_API_TOKEN');
    expect(run.stderr).toContain('nothing was applied');
    expect(rowCounts()).toEqual(EMPTY);
  });

  it('apply creates what the file names (secrets from the environment), and a second apply changes nothing', async () => {
    const file = writeYaml('setup.yaml', GOOD_YAML);
    const first = await cli(['apply', file], ENV_SECRETS);
    expect(first.code, first.stderr).toBe(0);
    const created = first.stdout.split('\n').find((l) => l.startsWith('created'));
    expect(created).toBeDefined();
    for (const item of ['retailer', 'channel storefront', 'supplier prompt', 'product MUG-BLUE'])
      expect(created).toContain(item);
    expect(created).toMatch(/^created \(4\)/);
    expect(first.stdout).toContain('unchanged: 0');
    expect(rowCounts()).toMatchObject({ settings: 1, channels: 1, suppliers: 1, variants: 1, offers: 1 });
    for (const secret of Object.values(ENV_SECRETS)) {
      expect(first.stdout + first.stderr).not.toContain(secret);
    }

    const second = await cli(['apply', file], ENV_SECRETS);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('unchanged: 4');
    expect(second.stdout).not.toMatch(/^(created|updated)/m);
  });

  it("apply --test tests each channel's and supplier's connection after applying, a line each, and exits 1 when one fails", async () => {
    const supplier = await startSupplierSim({
      name: 'prompt',
      signingSecret: ENV_SECRETS.PROMPT_SIGNING_SECRET,
      hubUrl: 'http://127.0.0.1:9',
      apiToken: ENV_SECRETS.PROMPT_API_TOKEN,
      autoFulfil: false,
    });
    try {
      const file = writeYaml(
        'setup-test.yaml',
        GOOD_YAML.replace('http://127.0.0.1:9/purchase-orders', supplier.url),
      );
      const run = await cli(['apply', '--test', file], ENV_SECRETS);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toMatch(/^updated \(1\): supplier prompt$/m);
      expect(run.stdout).toMatch(/^test supplier prompt: ok: /m);
      // The storefront's notifyUrl (port 9) has nobody listening.
      expect(run.stdout).toMatch(/^test channel storefront: FAILED \(unreachable\): /m);
      expect(run.stderr).toContain('1 of 2 connection tests failed (the setup was applied)');
      expect(supplier.pings).toBe(1);
      for (const secret of Object.values(ENV_SECRETS)) expect(run.stdout + run.stderr).not.toContain(secret);
    } finally {
      await supplier.close();
    }
  });

  it('generates the master key into the data folder, readable by its owner only', () => {
    const keyFile = join(dir, 'secret.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  it('keys create prints a key on stdout once; an unknown role is refused', async () => {
    const before = rowCounts().api_keys;
    const run = await cli(['keys', 'create', '--role', 'admin', '--label', 'cli test']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    adminKey = lines[0]!.trim();
    expect(adminKey).toMatch(/^wb_[A-Za-z0-9_-]{24,}$/);
    expect(run.stderr).not.toContain(adminKey);
    expect(rowCounts().api_keys).toBe(before + 1);

    const nope = await cli(['keys', 'create', '--role', 'nope']);
    expect(nope.code).not.toBe(0);
    expect(nope.code).not.toBeNull();
    expect(nope.stdout).not.toMatch(/wb_/);
    expect(nope.stderr).toContain('nope');
    expect(rowCounts().api_keys).toBe(before + 1);
  });

  it('start serves the API (the printed key works, the applied supplier token works) and exits 0 on SIGTERM', async () => {
    expect(adminKey).not.toBe('');
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'start'], {
      cwd: ROOT,
      env: cliEnv({ PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    try {
      const deadline = Date.now() + 15_000;
      while (!stdout.includes('Waybill listening')) {
        if (child.exitCode !== null)
          throw new Error(`start exited early (${child.exitCode})\n${stdout}\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`start did not listen in time\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const base = `http://127.0.0.1:${port}`;
      const orders = await fetch(`${base}/api/v1/orders`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(orders.status).toBe(200);
      expect(await orders.json()).toEqual({ orders: [], next: null });
      expect((await fetch(`${base}/api/v1/orders`)).status).toBe(401);
      expect(
        (
          await fetch(`${base}/api/v1/orders`, {
            headers: { authorization: 'Bearer wb_not-the-key-not-the-key-not' },
          })
        ).status,
      ).toBe(401);
      // The token came from ${PROMPT_API_TOKEN} at apply time: the interpolated value is the one that works.
      const supplier = await fetch(`${base}/supplier-api/v1/purchase-orders`, {
        headers: { authorization: `Bearer ${ENV_SECRETS.PROMPT_API_TOKEN}` },
      });
      expect(supplier.status).toBe(200);
      expect(
        (
          await fetch(`${base}/supplier-api/v1/purchase-orders`, {
            headers: { authorization: 'Bearer ${PROMPT_API_TOKEN}' },
          })
        ).status,
      ).toBe(401);
      const suppliers = await (
        await fetch(`${base}/api/v1/suppliers`, { headers: { authorization: `Bearer ${adminKey}` } })
      ).text();
      for (const secret of Object.values(ENV_SECRETS)) expect(suppliers).not.toContain(secret);

      child.kill('SIGTERM');
      const exit = await Promise.race([
        exited,
        new Promise<never>((_, fail) =>
          setTimeout(() => fail(new Error(`no exit after SIGTERM\n${stdout}\n${stderr}`)), 15_000),
        ),
      ]);
      expect(exit, stderr).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
