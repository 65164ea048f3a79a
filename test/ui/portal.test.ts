import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../src/app/users.ts';
import { orderBody, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from '../support/hub.ts';
import {
  describeWithChromium,
  expectAccessible,
  expectNoPageErrors,
  launchChromium,
  newPage,
  screenshots,
} from './browser.ts';

/**
 * The supplier portal in a real Chromium: a supplier's user signs in with its link, finds a new purchase order,
 * accepts it and reports its shipment (a tracking number the hub refuses first, its reason shown); another
 * supplier's PO is not found by its address; a change without the CSRF header is refused.
 */
describeWithChromium('the supplier portal', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let promptPo: string;
  let flakyPo: string;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub('sqlite'), launchChromium()]);
    // No worker runs: the purchase orders stay pending (new, to the supplier) until the portal answers them.
    await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
    const poOf = async (externalId: string, sku: string) => {
      const created = await t.api('/api/v1/channels/storefront/orders', {
        body: orderBody(externalId, [{ sku, quantity: 2 }]),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body.purchaseOrders[0].poNumber as string;
    };
    promptPo = await poOf('WEB-2001', 'MUG-BLUE');
    flakyPo = await poOf('WEB-2002', 'LAMP-OAK');
    // A supplier far from UTC: a time it gives is its own local time, sent as an instant.
    page = await newPage(browser, t.url, { timezoneId: 'America/Chicago' });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const heading = (name: string) => page.getByRole('heading', { level: 1, name }).waitFor();

  it("a supplier's user signs in with its link and finds its new purchase order", async () => {
    const { signInPath } = await createUser(t.hub.ctx, {
      email: 'orders@prompt.example',
      supplierId: 'prompt',
    });
    expect(signInPath).toMatch(/^\/portal\/sign-in#link=/);
    await page.goto(signInPath);
    await heading('Choose a password');
    await page.getByRole('button', { name: 'Not now' }).click();
    await heading('Purchase orders');
    await page.getByRole('link', { name: promptPo }).waitFor();
    // Its own purchase orders only.
    expect(await page.getByRole('link', { name: flakyPo }).count()).toBe(0);
    await expectAccessible(page, 'the purchase orders');
    await screenshots(page, 'portal-purchase-orders');

    await page.getByLabel('Stage').selectOption('shipped');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No purchase order matches.').waitFor();
    await page.getByLabel('Stage').selectOption('new');
    await page.getByRole('searchbox', { name: 'Search' }).fill(promptPo);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: promptPo }).click();
    await heading(`Purchase order ${promptPo}`);
  });

  it('answers the purchase order: rejecting asks for a reason, accepting sends', async () => {
    await page.getByLabel('Reject').check();
    await page.getByLabel('Reason for rejecting line 1').waitFor();
    await expectAccessible(page, 'a purchase order being answered');
    const slip = await page.getByRole('link', { name: /Packing slip/ }).getAttribute('href');
    const pdf = await page.request.get(slip!);
    expect([pdf.status(), pdf.headers()['content-type']]).toEqual([200, 'application/pdf']);
    await page.getByLabel('Backorder').check();
    await page.getByLabel('Expected in stock (line 1)').waitFor();
    await page.getByLabel('Accept').check();
    await screenshots(page, 'portal-purchase-order');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.getByRole('heading', { name: 'Report a shipment' }).waitFor();
    const po = await t.api(`/supplier-api/v1/purchase-orders/${promptPo}`, { key: SUPPLIER_TOKENS.prompt });
    expect(po.body.state).toBe('accepted');
  });

  it('reports a shipment: a tracking number the hub refuses shows its reason; a right one is recorded', async () => {
    await page.getByLabel('Carrier').fill('UPS');
    // A UPS number of the right shape whose check digit is wrong (…784 is right): the hub checks it, and its own
    // words (the problem's detail, naming the field) are what the page shows.
    await page.getByLabel('Tracking number').fill('1Z999AA10123456785');
    await page.getByRole('button', { name: 'Report shipment' }).click();
    await page.getByRole('alert').filter({ hasText: 'trackingNumber' }).waitFor();
    await expectAccessible(page, 'a refused shipment');

    await page.getByLabel('Tracking number').fill('1Z999AA10123456784');
    // Shipped yesterday at 09:15 on the supplier's clock (America/Chicago).
    await page.getByText('in your time zone (America/Chicago)').waitFor();
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Shipped at (optional)').fill(`${yesterday}T09:15`);
    await page.getByRole('button', { name: 'Report shipment' }).click();
    await page.getByRole('status').filter({ hasText: 'Shipment 1Z999AA10123456784 is recorded.' }).waitFor();
    const order = (await t.api('/api/v1/orders?q=WEB-2001')).body.orders[0];
    const shipments = (await t.api(`/api/v1/orders/${order.id}`)).body.shipments;
    const chicago = await page.evaluate((local) => new Date(local).toISOString(), `${yesterday}T09:15`);
    expect(shipments.map((s: { shippedAt: string }) => s.shippedAt)).toEqual([chicago]);
    // 09:15 in Chicago is 15:15 or 14:15 UTC (standard or daylight time).
    expect(chicago).toMatch(new RegExp(`^${yesterday}T1[45]:15:00`));
    await page.getByText('Everything accepted on this purchase order has been shipped.').waitFor();
    await screenshots(page, 'portal-shipped');
  });

  it("another supplier's purchase order is not found by its address", async () => {
    await page.goto(`/portal/purchase-orders/${flakyPo}`);
    await heading('Purchase order not found');
    await expectAccessible(page, 'a purchase order not found');
  });

  it('refuses a change made with the session cookie but without the CSRF header', async () => {
    const answer = await page.evaluate(async (poNumber) => {
      const response = await fetch(`/supplier-api/v1/purchase-orders/${poNumber}/acknowledgement`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lines: [{ lineNumber: 1, status: 'accepted' }] }),
      });
      return { status: response.status, body: (await response.json()) as { code: string } };
    }, promptPo);
    expect(answer).toMatchObject({ status: 403, body: { code: 'csrf' } });
    expectNoPageErrors(page);
  });
});
