import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../src/app/users.ts';
import { recordSupplierFile } from '../../src/store/supplier-exchanges.repo.ts';
import { startTestHub, testSetup, type TestHub } from '../support/hub.ts';
import {
  describeWithChromium,
  expectAccessible,
  expectNoPageErrors,
  launchChromium,
  newPage,
  screenshots,
} from './browser.ts';

/**
 * A file transport's supplier in a real Chromium: the Suppliers page links its files; the files page lists each
 * answer file taken or refused, with why, newest first, and filters the refused ones.
 */
describeWithChromium('the admin UI: a supplier’s files', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub('sqlite'), launchChromium()]);
    const setup = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    await t.apply({
      ...setup,
      suppliers: [
        ...setup.suppliers!,
        {
          id: 'acme-edi',
          name: 'Acme EDI',
          currency: 'USD',
          // Never reached: no worker runs.
          transport: {
            kind: 'edi-x12-sftp',
            host: '127.0.0.1',
            port: 9,
            username: 'waybill',
            password: 'not-used-here',
            interchangeId: 'WAYBILL',
            partnerId: 'ACMEEDI',
          },
        },
      ],
    });
    const file = (id: string, name: string, at: number, reason: string | null) =>
      recordSupplierFile(t.hub.store.db, {
        id,
        supplierId: 'acme-edi',
        name,
        size: 512,
        sha256: id.padEnd(64, '0'),
        outcome: reason ? 'refused' : 'taken',
        reason,
        receivedAt: at,
        settledAt: at + 1_000,
      });
    await file('file_1', '855.PO-1.000000002.x12', Date.parse('2026-12-06T09:00:00Z'), null);
    await file(
      'file_2',
      '855.PO-2.000000003.x12',
      Date.parse('2026-12-06T10:00:00Z'),
      '855 0001 in group 3: SE01 says 7 segments, the set has 6',
    );
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

  it('lists the files from the Suppliers page, the refused one with why, and filters the refused ones', async () => {
    await page.goto('/suppliers');
    await page.getByRole('heading', { level: 1, name: 'Suppliers' }).waitFor();
    // Only a file transport has files. The heading shows before the list has loaded: the list is waited for first.
    await page.getByRole('link', { name: 'Files' }).first().waitFor();
    expect(await page.getByRole('link', { name: 'Files' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Files' }).click();
    await page.getByRole('heading', { level: 1, name: 'Files from acme-edi' }).waitFor();
    const rows = page.getByRole('row');
    await page.getByText('SE01 says 7 segments, the set has 6').waitFor();
    // Newest first: the refused file, then the one taken.
    expect(await rows.nth(1).textContent()).toContain('855.PO-2.000000003.x12');
    expect(await rows.nth(2).textContent()).toContain('855.PO-1.000000002.x12');
    await expectAccessible(page, 'a supplier’s files');
    await screenshots(page, 'admin-supplier-files');

    await page.getByLabel('Outcome').selectOption('refused');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/outcome=refused/);
    await page.getByText('855.PO-1.000000002.x12').waitFor({ state: 'detached' });
    expect(await page.getByText('855.PO-2.000000003.x12').count()).toBe(1);
    expectNoPageErrors(page);
  });
});
