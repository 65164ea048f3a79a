import { createApiKey } from '../../src/app/api-keys.ts';
import { applySetup } from '../../src/app/apply-setup.ts';
import { setupDocument, setupDocumentFor, type SetupDocument } from '../../src/app/setup-document.ts';
import { createHub, type Hub, type HubOptions } from '../../src/hub.ts';
import { startSupplierSim, type SupplierSim } from '../../sim/supplier.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createTestDatabase, type DialectName, type TestDatabase } from './databases.ts';

export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestHub {
  hub: Hub;
  database: TestDatabase;
  /** Base URL of the running HTTP server. */
  url: string;
  adminKey: string;
  apply(doc: unknown): Promise<void>;
  /** fetch against the hub with the admin key unless `key` is given (null: no Authorization header). */
  api(
    path: string,
    init?: {
      method?: string;
      body?: unknown;
      key?: string | null;
      rawBody?: string;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
  /** Stops the hub and keeps its database, for another hub to open (`startTestHub(dialect, { database })`). */
  stop(): Promise<void>;
}

/** A migrated hub on a fresh database of the given dialect, listening on an ephemeral port. */
export async function startTestHub(
  dialect: DialectName,
  options: Partial<HubOptions> & { database?: TestDatabase } = {},
): Promise<TestHub> {
  const { database: reopened, ...hubOptions } = options;
  const database = reopened ?? (await createTestDatabase(dialect));
  // Finished jobs are kept (as an operator may keep them) so that tests can look at their attempts and run them again.
  const workerOptions = { keepDoneMs: 10 * 60_000, ...options.workerOptions };
  const hub = await createHub({
    databaseUrl: database.url,
    secretKey: TEST_SECRET_KEY,
    migrate: true,
    worker: false,
    logLevel: 'silent',
    ...hubOptions,
    workerOptions,
  });
  await migrateToLatest(hub.store.db);
  const url = await hub.listen(0, '127.0.0.1');
  const { key: adminKey } = await createApiKey(hub.ctx, 'admin');
  const api: TestHub['api'] = async (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key === undefined ? adminKey : init.key;
    if (key) headers.authorization = `Bearer ${key}`;
    const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    hub,
    database,
    url,
    adminKey,
    apply: async (doc) => {
      // Read as this hub reads it: against the channel and transport kinds it knows.
      await applySetup(hub.ctx, setupDocumentFor(hub.ctx.channels, hub.ctx.transports).parse(doc));
    },
    api,
    close: async () => {
      await hub.close(1_000);
      await database.drop();
    },
    stop: () => hub.close(1_000),
  };
}

export const SUPPLIER_TOKENS = {
  prompt: 'prompt-token-0123456789abcdef',
  flaky: 'flaky-token-0123456789abcdef',
} as const;
export const SECRETS = {
  storefront: 'storefront-notify-secret-0001',
  prompt: 'prompt-signing-secret-000001',
  flaky: 'flaky-signing-secret-0000001',
} as const;

/**
 * The two suppliers of testSetup, quick and reliable (ack and ship within 5 ms unless `shipDelayMs` says otherwise
 * for one of them), answering the hub at `hubUrl`.
 */
export async function startTestSuppliers(
  hubUrl: string,
  options: { shipDelayMs?: Partial<Record<'prompt' | 'flaky', number>> } = {},
): Promise<{ prompt: SupplierSim; flaky: SupplierSim }> {
  const supplier = (name: 'prompt' | 'flaky', seed: number): Promise<SupplierSim> =>
    startSupplierSim({
      name,
      signingSecret: SECRETS[name],
      hubUrl,
      apiToken: SUPPLIER_TOKENS[name],
      seed,
      ackDelayMs: 5,
      shipDelayMs: options.shipDelayMs?.[name] ?? 5,
    });
  const [prompt, flaky] = await Promise.all([supplier('prompt', 1), supplier('flaky', 2)]);
  return { prompt, flaky };
}

/** A setup with one storefront, two suppliers and three products; URLs point wherever the test's simulators listen. */
export function testSetup(
  urls: { notifyUrl?: string; prompt: string; flaky: string },
  timeoutMs = 2_000,
): SetupDocument {
  return setupDocument.parse({
    apiVersion: 'waybill/v1',
    retailer: { name: 'Test Retailer' },
    channels: [
      {
        id: 'storefront',
        kind: 'storefront',
        name: 'Test storefront',
        currency: 'USD',
        ...(urls.notifyUrl ? { notifyUrl: urls.notifyUrl, notifySecret: SECRETS.storefront } : {}),
      },
    ],
    suppliers: [
      {
        id: 'prompt',
        name: 'Prompt Supply',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.prompt,
        transport: { kind: 'rest-json', url: urls.prompt, signingSecret: SECRETS.prompt, timeoutMs },
      },
      {
        id: 'flaky',
        name: 'Flaky Wholesale',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.flaky,
        transport: { kind: 'rest-json', url: urls.flaky, signingSecret: SECRETS.flaky, timeoutMs },
      },
    ],
    products: [
      {
        sku: 'MUG-BLUE',
        name: 'Blue mug',
        offers: [
          { supplier: 'prompt', supplierSku: 'P-MUG-1', cost: { amount: 450, currency: 'USD' }, priority: 1 },
        ],
      },
      {
        sku: 'TEE-RED-M',
        name: 'Red tee, M',
        offers: [
          { supplier: 'flaky', supplierSku: 'F-TEE-RM', cost: { amount: 700, currency: 'USD' }, priority: 1 },
          {
            supplier: 'prompt',
            supplierSku: 'P-TEE-RM',
            cost: { amount: 900, currency: 'USD' },
            priority: 2,
          },
        ],
      },
      {
        sku: 'LAMP-OAK',
        name: 'Oak lamp',
        gtin: '4006381333931',
        offers: [
          { supplier: 'flaky', supplierSku: 'F-LAMP', cost: { amount: 2500, currency: 'USD' }, priority: 1 },
        ],
      },
    ],
  });
}

/** A valid order body for the storefront channel. */
export function orderBody(
  externalId: string,
  lines: { sku: string; quantity: number; unitPrice?: number }[] = [{ sku: 'MUG-BLUE', quantity: 1 }],
) {
  return {
    externalId,
    currency: 'USD',
    customer: { email: 'ann@example.com', name: 'Ann Smith' },
    shippingAddress: {
      name: 'Ann Smith',
      line1: '1 Main St',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'US',
    },
    lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? 1299 })),
  };
}
