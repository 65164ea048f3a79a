import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../src/app/users.ts';
import { orderBody, startTestHub, testSetup, type TestHub } from '../support/hub.ts';
import {
  describeWithChromium,
  expectAccessible,
  expectNoPageErrors,
  launchChromium,
  newPage,
  screenshots,
} from './browser.ts';

/**
 * Held orders in a real Chromium: the review queue a page at a time, and an order held for its postal code whose
 * address an operator corrects from the order page (a wrong one refused, the hub's reason shown and the field
 * marked), then approves.
 */
describeWithChromium('the admin UI: held orders', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  const held: Record<string, string> = {};

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub('sqlite'), launchChromium()]);
    // A US postal code of four digits holds the order (the check is on); no worker runs.
    await t.apply({
      ...testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }),
      routing: { checks: { postalCodes: true } },
    });
    for (const externalId of ['HELD-1', 'HELD-2', 'HELD-3']) {
      const body = orderBody(externalId);
      body.shippingAddress.postalCode = '1234';
      const created = await t.api('/api/v1/channels/storefront/orders', { body });
      expect([created.status, created.body.state]).toEqual([201, 'on_hold']);
      held[externalId] = created.body.id as string;
    }
    const { signInPath } = await createUser(t.hub.ctx, { email: 'ops@example.com', role: 'operator' });
    page = await newPage(browser, t.url);
    await page.goto(signInPath);
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const heading = (name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
  const link = (name: string) => page.getByRole('link', { name, exact: true });

  it('pages through the review queue with Next and Previous', async () => {
    await page.goto('/review?limit=2');
    await heading('Review');
    await link('HELD-1').waitFor();
    await link('HELD-2').waitFor();
    expect(await link('HELD-3').count()).toBe(0);
    await page.getByRole('button', { name: 'Next' }).click();
    await link('HELD-3').waitFor();
    expect(await link('HELD-1').count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('after')).toBeTruthy();
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await link('HELD-1').waitFor();
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
  });

  it('corrects the shipping address of a held order: a wrong postal code is refused naming it, a right one saved', async () => {
    await link('HELD-1').click();
    await heading('Order HELD-1');
    await page.getByRole('button', { name: 'Correct the address of order HELD-1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Correct the shipping address of order HELD-1?' });
    const postalCode = dialog.getByLabel('Postal code');
    // Prefilled with the address as stored.
    expect(await postalCode.inputValue()).toBe('1234');
    expect(await dialog.getByLabel('City').inputValue()).toBe('Springfield');
    await expectAccessible(page, 'the address dialog');
    await screenshots(page, 'admin-order-address');

    await postalCode.fill('6270');
    await dialog.getByRole('button', { name: 'Save the address' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'postalCode' }).waitFor();
    expect(await postalCode.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByLabel('City').getAttribute('aria-invalid')).toBeNull();
    await expectAccessible(page, 'a refused address');

    await postalCode.fill('62701');
    await dialog.getByRole('button', { name: 'Save the address' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(/Springfield, IL 62701, US/).waitFor();
    await page.getByRole('list', { name: 'Timeline' }).getByText('order: address changed').waitFor();
    const order = (await t.api(`/api/v1/orders/${held['HELD-1']}`)).body;
    expect(order.shippingAddress.postalCode).toBe('62701');

    // Approved, its line goes to a supplier: the address is no longer the hub's to change.
    await page.getByRole('button', { name: 'Approve HELD-1' }).click();
    await page
      .getByRole('dialog', { name: 'Approve order HELD-1?' })
      .getByRole('button', { name: 'Approve' })
      .click();
    await page.getByRole('heading', { name: /^PO-.* to prompt/ }).waitFor();
    expect(await page.getByRole('button', { name: /^Correct the address/ }).count()).toBe(0);
    expectNoPageErrors(page);
  });

  it("explains an order's routing: every candidate, eligible or not, and the one chosen", async () => {
    const created = await t.api('/api/v1/channels/storefront/orders', {
      body: orderBody('TEE-1', [{ sku: 'TEE-RED-M', quantity: 1 }]),
    });
    expect(created.body.purchaseOrders.map((po: { supplierId: string }) => po.supplierId)).toEqual(['flaky']);
    await page.goto(`/orders/${created.body.id}`);
    await heading('Order TEE-1');
    await page.getByRole('cell', { name: /^flaky: priority 1/ }).waitFor();
    await page.getByText('Line 1: the 2 candidates').click();
    const candidates = page.getByRole('table', { name: 'Candidates for line 1' });
    const row = (name: string) => candidates.getByRole('row').filter({ hasText: name });
    await row('Flaky Wholesale').getByText('chosen').waitFor();
    expect(await row('Flaky Wholesale').getByRole('cell').nth(2).textContent()).toBe('$7.00');
    expect(await row('Prompt Supply').getByRole('cell').nth(2).textContent()).toBe('$9.00');
    expect(await row('Prompt Supply').getByText('chosen').count()).toBe(0);
    await expectAccessible(page, 'the routing candidates');
    await screenshots(page, 'admin-order-routing');
    expectNoPageErrors(page);
  });
});
