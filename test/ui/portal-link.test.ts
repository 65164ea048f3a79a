import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issuePortalLink } from '../../src/app/portal-link.ts';
import { email } from '../../src/connectors/suppliers/email/index.ts';
import { supplierTransports } from '../../src/connectors/suppliers/registry.ts';
import { orderBody, startTestHub, type TestHub } from '../support/hub.ts';
import {
  describeWithChromium,
  expectAccessible,
  expectNoPageErrors,
  launchChromium,
  newPage,
  screenshots,
} from './browser.ts';

/**
 * A purchase order email's link in a real Chromium: it opens that PO's page signed in as its supplier, with the token
 * gone from the address; a link the hub refuses says so and offers the sign-in page.
 */
describeWithChromium('the portal link of a purchase order email', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let poNumber: string;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestHub('sqlite', { transports: supplierTransports.with(email) }),
      launchChromium(),
    ]);
    // No worker runs: the PO is not mailed; its link is made as the transport would make it.
    await t.apply({
      apiVersion: 'waybill/v1',
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'mailer',
          name: 'Mail Order Supply',
          currency: 'USD',
          transport: {
            kind: 'email',
            host: '127.0.0.1',
            port: 9,
            requireTLS: false,
            fromAddress: 'orders@retailer.example',
            to: ['orders@mailer.example'],
          },
        },
      ],
      products: [
        {
          sku: 'MUG-BLUE',
          name: 'Blue mug',
          offers: [
            { supplier: 'mailer', supplierSku: 'M-MUG', cost: { amount: 450, currency: 'USD' }, stock: 5 },
          ],
        },
      ],
    });
    const created = await t.api('/api/v1/channels/storefront/orders', { body: orderBody('LINK-1') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    poNumber = created.body.purchaseOrders[0].poNumber;
    page = await newPage(browser, t.url);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("opens the purchase order's page, signed in as its supplier, the token gone from the address", async () => {
    const link = await issuePortalLink(t.hub.ctx, 'mailer', poNumber);
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: `Purchase order ${poNumber}` }).waitFor();
    expect(page.url()).toBe(`${t.url}/portal/purchase-orders/${poNumber}`);
    await expectAccessible(page, 'the purchase order opened by its link');
    expectNoPageErrors(page);
  });

  it('says so when the link is refused, and offers the sign-in page', async () => {
    const fresh = await newPage(browser, t.url);
    await fresh.goto('/portal/link#token=wbp_not-a-real-token');
    await fresh.getByRole('heading', { level: 1, name: 'This link does not open' }).waitFor();
    await fresh.getByText('This link has expired or is not valid.', { exact: false }).waitFor();
    expect(fresh.url()).toBe(`${t.url}/portal/link`);
    await fresh.getByRole('link', { name: 'Sign in' }).waitFor();
    await expectAccessible(fresh, 'a refused portal link');
    await screenshots(fresh, 'portal-link-refused');
    expectNoPageErrors(fresh);
  });
});
