import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { supplierTransports } from '../src/connectors/suppliers/registry.ts';
import { transportKind } from '../src/connectors/suppliers/supplier-transport.ts';
import { PermanentError } from '../src/domain/permanent-error.ts';
import { Worker } from '../src/jobs/worker.ts';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import { fakeClock, type FakeClock } from './support/fake-clock.ts';
import { orderBody, SECRETS, startTestHub, SUPPLIER_TOKENS, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = '2026-12-01T09:00:00.000Z';
const at = (ms: number) => new Date(new Date(T0).getTime() + ms).toISOString();

/** A transport whose supplier refuses every PO's content: a PermanentError, the supplier's side well. */
const refusing = transportKind({
  kind: 'test-refusing',
  label: 'Refuses every PO',
  config: z.object({}),
  secrets: z.object({}),
  create: () => ({
    send: async (po) => {
      throw new PermanentError(`${po.poNumber} line 1: unknown supplier SKU`);
    },
  }),
  test: async () => ({ ok: true, detail: 'always there' }),
});

/**
 * Each supplier's circuit breaker around the jobs that call its transport, with the hub's clock in the test's hand:
 * a REST supplier answering 500 to everything opens it after five failures in a row over 10 s; while open nothing is sent and no
 * attempt is spent; when the cool-down is over one probe goes (however many workers), and its success delivers
 * every waiting PO exactly once. A transport down longer than the supplier's SLA holds the orders waiting for it.
 */
describeEachDatabase('supplier circuit breaker', (dialect) => {
  let t: TestHub;
  let clock: FakeClock;
  let sim: SupplierSim;
  const extraWorkers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(extraWorkers.splice(0).map((w) => w.stop(1_000)));
    await sim?.close();
    await t?.close();
  });

  async function world(options: { transport?: object } = {}) {
    clock = fakeClock(T0);
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      clock,
      transports: supplierTransports.with(refusing),
    });
    sim = await startSupplierSim({
      name: 'acme',
      signingSecret: SECRETS.flaky,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.flaky,
      clock,
      autoFulfil: false,
      failRate: 1,
    });
    await t.apply({
      apiVersion: 'waybill/v1',
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'acme',
          name: 'Acme Wholesale',
          currency: 'USD',
          apiToken: SUPPLIER_TOKENS.flaky,
          ackWithinMinutes: 60,
          transport: options.transport ?? {
            kind: 'rest-json',
            url: sim.url,
            signingSecret: SECRETS.flaky,
            timeoutMs: 2_000,
          },
        },
      ],
      products: [
        {
          sku: 'MUG-BLUE',
          name: 'Blue mug',
          offers: [
            { supplier: 'acme', supplierSku: 'A-MUG', cost: { amount: 450, currency: 'USD' }, stock: 100 },
          ],
        },
      ],
    });
  }

  const place = async (externalId: string) => {
    const created = await t.api('/api/v1/channels/storefront/orders', { body: orderBody(externalId) });
    expect(created.status).toBe(201);
    return created.body as { id: string; purchaseOrders: { poNumber: string }[] };
  };
  const circuit = async () =>
    (await t.api('/api/v1/suppliers')).body.suppliers.find((s: { id: string }) => s.id === 'acme').circuit;
  const sendJobs = async () =>
    (
      await t.hub.store.db
        .selectFrom('jobs')
        .select(['key', 'state', 'attempts', 'run_at', 'last_error'])
        .where('kind', '=', 'po.send')
        .orderBy('key')
        .execute()
    ).map((j) => ({ ...j, attempts: Number(j.attempts), run_at: Number(j.run_at) }));
  /** Every send job waiting (none running), due at `runAt` when given. */
  const allWaiting = async (runAt?: string) =>
    (await sendJobs()).every(
      (j) => j.state === 'pending' && (runAt === undefined || j.run_at === new Date(runAt).getTime()),
    );
  const supplierEvents = async () =>
    (
      await t.hub.store.db
        .selectFrom('events')
        .select('type')
        .where('subject_type', '=', 'supplier')
        .where('subject_id', '=', 'acme')
        .orderBy('seq')
        .execute()
    ).map((e) => e.type);

  it('opens after failures in a row for 10 s, calls nothing while open, lets one probe through for two workers, and delivers every PO once when the supplier is back', async () => {
    await world();
    // A second worker on the same database: two claim the probe, one gets it.
    const second = new Worker(t.hub.store, t.hub.jobs, clock, { workerId: 'second', pollMs: 20 });
    extraWorkers.push(second);
    second.start();
    const orders = [];
    for (let i = 1; i <= 5; i++) orders.push(await place(`o-${i}`));
    const poNumbers = orders.map((o) => o.purchaseOrders[0]!.poNumber);

    // Five failed together: failing, not yet down (a blip takes many calls at once).
    await until('the five sends failed', async () => {
      const jobs = await sendJobs();
      return jobs.length === 5 && jobs.every((j) => j.state === 'pending' && j.attempts === 1);
    });
    expect(sim.deliveries).toBe(5);
    expect(await circuit()).toMatchObject({ state: 'closed', consecutiveFailures: 5, downSince: T0 });
    // Their retries, 10 s on, fail too: open.
    clock.advance(10 * SECOND);
    await until('the circuit open', async () => (await circuit()).state === 'open', 25_000, circuit);
    await until('the failed sends waiting to retry', async () =>
      (await sendJobs()).every((j) => j.state === 'pending' && j.attempts === 2),
    );
    expect(sim.deliveries).toBe(10);
    expect(await circuit()).toMatchObject({
      state: 'open',
      consecutiveFailures: 10,
      downSince: T0,
      nextProbeAt: at(40 * SECOND),
      lastError: expect.stringContaining('answered 500'),
    });
    expect(await supplierEvents()).toEqual(['supplier.circuit_opened']);

    // Their retries come while it is open: each waits for the probe time, its attempt given back.
    clock.advance(5 * SECOND);
    await until('the retries deferred to the probe time', () => allWaiting(at(40 * SECOND)));
    expect((await sendJobs()).map((j) => j.attempts)).toEqual([2, 2, 2, 2, 2]);
    expect(sim.deliveries).toBe(10);

    // Probe time, the supplier still down: one call of the five jobs, and open again for twice as long. The probe's
    // job waits for the next probe as the others do: no attempt spent on an outage the breaker knew of.
    clock.advance(30 * SECOND); // T0 + 45 s
    await until(
      'the probe failed',
      async () => (await circuit()).nextProbeAt === at(105 * SECOND) && (await allWaiting(at(105 * SECOND))),
      25_000,
      async () => JSON.stringify({ circuit: await circuit(), jobs: await sendJobs() }),
    );
    expect(sim.deliveries).toBe(11);
    expect(await circuit()).toMatchObject({ state: 'open', consecutiveFailures: 11 });
    expect((await sendJobs()).map((j) => j.attempts)).toEqual([2, 2, 2, 2, 2]);
    // Counted once the finishing commit is synced, a moment after it is visible.
    await until('ten deferrals counted', () => second.stats.deferred + t.hub.worker!.stats.deferred === 10);

    // The supplier is back: the probe closes the circuit, the waiting jobs are woken, every PO arrives once.
    sim.setFaults({ failRate: 0 });
    clock.advance(62 * SECOND); // T0 + 107 s
    await until(
      'every PO delivered',
      () => poNumbers.every((n) => sim.received.has(n)),
      25_000,
      async () => JSON.stringify({ circuit: await circuit(), jobs: await sendJobs() }),
    );
    expect(poNumbers.map((n) => sim.received.get(n)!.count)).toEqual([1, 1, 1, 1, 1]);
    expect(sim.deliveries).toBe(16);
    expect(await circuit()).toEqual({
      state: 'closed',
      consecutiveFailures: 0,
      downSince: null,
      nextProbeAt: null,
      lastError: null,
    });
    expect(await supplierEvents()).toEqual(['supplier.circuit_opened', 'supplier.circuit_closed']);
    await until('every PO recorded as sent', async () => {
      const states = await t.hub.store.db.selectFrom('purchase_orders').select('state').execute();
      return states.every((s) => s.state === 'sent');
    });
  });

  it('a PermanentError (one PO refused for its content) does not open the circuit', async () => {
    await world({ transport: { kind: 'test-refusing' } });
    for (let i = 1; i <= 6; i++) await place(`r-${i}`);
    await until('every send dead-lettered', async () => (await sendJobs()).every((j) => j.state === 'dead'));
    expect(await circuit()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(await supplierEvents()).toEqual([]);
  });

  it('a transport down longer than the supplier’s SLA holds the orders waiting for it, once, naming the supplier, how long and its last error', async () => {
    await world();
    for (let i = 1; i <= 5; i++) await place(`o-${i}`);
    const failedAttempts = (n: number) => async () => {
      const jobs = await sendJobs();
      return jobs.length === 5 && jobs.every((j) => j.state === 'pending' && j.attempts === n);
    };
    await until('the five sends failed', failedAttempts(1));
    clock.advance(10 * SECOND);
    // Each retry answered before the clock moves on (a signature is checked against the time it reaches the supplier).
    await until('their retries failed', failedAttempts(2));
    expect(await circuit()).toMatchObject({ state: 'open', consecutiveFailures: 10 });
    // An order taken during the outage: its PO waits, due for acknowledgement long after the outage's limit.
    clock.advance(40 * MINUTE);
    const late = await place('o-late');
    await until(
      'its send deferred',
      async () => (await sendJobs()).every((j) => j.state === 'pending' && j.run_at > clock.now().getTime()),
      25_000,
      async () =>
        JSON.stringify({
          now: clock.now(),
          circuit: await circuit(),
          jobs: await sendJobs(),
          stats: t.hub.worker!.stats,
        }),
    );

    const held = async () =>
      (await t.api('/api/v1/review?reason=supplier.transport_down')).body.orders as {
        orderId: string;
        reasons: { check: string; message: string }[];
      }[];
    /** Moves the clock and waits for the SLA sweep's next run after it. */
    const sweepAfter = async (ms: number) => {
      clock.advance(ms);
      await until(
        'the SLA sweep ran',
        async () =>
          Number(
            (
              await t.hub.store.db
                .selectFrom('jobs')
                .select('run_at')
                .where('kind', '=', 'po.ack-sweep')
                .executeTakeFirstOrThrow()
            ).run_at,
          ) > clock.now().getTime(),
      );
    };
    await sweepAfter(10 * MINUTE); // T0 + 50 min 10 s: within the SLA
    expect(await held()).toEqual([]);

    await sweepAfter(11 * MINUTE); // T0 + 61 min 10 s: down for longer than 60 minutes
    const lateHeld = (await held()).find((o) => o.orderId === late.id);
    expect(lateHeld?.reasons).toEqual([
      expect.objectContaining({
        check: 'supplier.transport_down',
        message: expect.stringMatching(
          /^PO-\S+ waits to be sent to supplier Acme Wholesale \(acme\), whose transport has been down for 1 h 1 min \(since 2026-12-01T09:00:00.000Z\), longer than its 60-minute SLA allows; last error: .*answered 500/,
        ),
      }),
    ]);
    const heldOrders = (await held()).length;
    expect(heldOrders).toBe(6);
    expect((await t.api(`/api/v1/orders/${late.id}`)).body.state).toBe('on_hold');
    expect(await supplierEvents()).toEqual(['supplier.circuit_opened', 'supplier.transport_down']);

    // Once per outage: the next sweeps hold nothing again.
    await sweepAfter(2 * MINUTE);
    const holds = await t.hub.store.db
      .selectFrom('order_holds')
      .select('order_id')
      .where('check', '=', 'supplier.transport_down')
      .execute();
    expect(holds).toHaveLength(6);
    expect(await supplierEvents()).toEqual(['supplier.circuit_opened', 'supplier.transport_down']);
  });
});
