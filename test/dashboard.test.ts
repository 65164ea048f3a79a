import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { fakeClock } from './support/fake-clock.ts';
import { deadJob } from './support/jobs.ts';
import { orderBody, startTestHub, testSetup, type TestHub } from './support/hub.ts';

describeEachDatabase('the dashboard', (dialect) => {
  let t: TestHub;
  const clock = fakeClock('2027-05-10T12:00:00Z');

  beforeAll(async () => {
    t = await startTestHub(dialect, { clock });
    await t.apply({
      ...testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }),
      // Postal codes checked before routing: a wrong one holds the order for a person.
      routing: { checks: { postalCodes: true } },
    });
  });
  afterAll(() => t?.close());

  const order = (externalId: string, placedAt: string, postalCode = '62701') => {
    const body = orderBody(externalId);
    return t.api('/api/v1/channels/storefront/orders', {
      body: { ...body, placedAt, shippingAddress: { ...body.shippingAddress, postalCode } },
    });
  };

  it('counts orders per UTC day and channel over the days asked, days without orders at 0', async () => {
    expect((await order('D-1', '2027-05-08T23:59:59Z')).status).toBe(201);
    expect((await order('D-2', '2027-05-09T00:00:00Z')).status).toBe(201);
    expect((await order('D-3', '2027-05-09T15:00:00Z')).status).toBe(201);
    expect((await order('D-4', '2027-05-10T08:00:00Z')).status).toBe(201);
    // Before the window of three days: not counted.
    expect((await order('D-0', '2027-05-07T23:59:59Z')).status).toBe(201);
    const { status, body } = await t.api('/api/v1/dashboard?days=3');
    expect(status).toBe(200);
    expect(body.ordersPerDay).toEqual([
      { day: '2027-05-08', channels: { storefront: 1 } },
      { day: '2027-05-09', channels: { storefront: 2 } },
      { day: '2027-05-10', channels: { storefront: 1 } },
    ]);
    expect((await t.api('/api/v1/dashboard')).body.ordersPerDay).toHaveLength(30);
  });

  it('shows what needs attention: held orders and dead letters', async () => {
    const before = (await t.api('/api/v1/dashboard')).body.attention;
    // No US postal code: the order is held for a person.
    const held = await order('HELD-1', '2027-05-10T09:00:00Z', '1234');
    expect(held.body.state).toBe('on_hold');
    await t.hub.store.db
      .insertInto('jobs')
      .values(deadJob('job_dead_1', { key: 'dead-1' }))
      .execute();
    const after = (await t.api('/api/v1/dashboard')).body.attention;
    expect(after.reviewQueue).toBe(before.reviewQueue + 1);
    expect(after.deadLetters).toBe(before.deadLetters + 1);
    expect(after.overduePurchaseOrders).toBe(0);
    expect(after.channels).toEqual([]);
  });

  it('refuses a window it does not keep, naming the field', async () => {
    const refused = await t.api('/api/v1/dashboard?days=400');
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/days/);
  });
});
