import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../src/app/users.ts';
import { orderBody, startTestHub, testSetup, type TestHub } from '../support/hub.ts';
import { until } from '../support/until.ts';
import { deadJob } from '../support/jobs.ts';
import {
  describeWithChromium,
  expectAccessible,
  expectNoPageErrors,
  launchChromium,
  newPage,
  screenshots,
} from './browser.ts';

/**
 * The operator's UI in a real Chromium against a running hub: sign in by link and choose a password, sign out and in
 * again, find an order and read it, approve a held order, replay a dead letter; a read-only user sees no actions;
 * a change without the CSRF header is refused. Every page passes axe-core and fits a tablet.
 */
describeWithChromium('the admin UI', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub('sqlite'), launchChromium()]);
    // No worker runs: purchase orders stay pending, and a replayed job stays queued, for the pages to show.
    await t.apply({
      ...testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }),
      routing: { checks: { maxOrderValue: [usd(10_000)] } },
    });
    for (const [externalId, quantity] of [
      ['WEB-1001', 1],
      ['WEB-1002', 2],
      ['WEB-BIG-1', 10],
    ] as const) {
      const created = await t.api('/api/v1/channels/storefront/orders', {
        body: orderBody(externalId, [{ sku: 'MUG-BLUE', quantity }]),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    await t.hub.store.db
      .insertInto('jobs')
      .values(deadJob('job_dead_ui_1', { key: 'dead-ui-1', last_error: 'HTTP 500 from the storefront' }))
      .execute();
    page = await newPage(browser, t.url);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const heading = (name: string) => page.getByRole('heading', { level: 1, name }).waitFor();

  it('an operator signs in by link, chooses a password, signs out, and signs in with it', async () => {
    const { signInPath } = await createUser(t.hub.ctx, { email: 'ops@example.com', role: 'operator' });
    await page.goto(signInPath);
    await heading('Choose a password');
    // The one-time token does not stay in the address bar.
    expect(new URL(page.url()).hash).toBe('');
    await expectAccessible(page, 'choose a password');
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password again').fill(password);
    await page.getByRole('button', { name: 'Save password' }).click();
    await heading('Dashboard');
    await page.getByText('ops@example.com').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading('Sign in');
    await page.getByText('You have signed out.').waitFor();
    await expectAccessible(page, 'sign in');
    await screenshots(page, 'admin-sign-in');

    await page.getByLabel('Email').fill('ops@example.com');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or password is not right.' }).waitFor();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Dashboard');
    await page.getByRole('region', { name: 'Dead letters' }).getByText('1', { exact: true }).waitFor();
    // The orders per day: a chart named for what it shows and its total, its channels by name, and the numbers.
    await page
      .getByRole('img', { name: /^Orders placed per day .* 3 orders in all; the most, 3, on / })
      .waitFor();
    await page.getByRole('list', { name: 'Channels' }).getByText('Test storefront').waitFor();
    await page.getByText('The numbers, as a table').click();
    const table = page.getByRole('table', { name: 'Orders placed per day (UTC) and channel' });
    await table.getByRole('columnheader', { name: 'Test storefront' }).waitFor();
    expect(await table.getByRole('row').nth(1).getByRole('cell').allTextContents()).toEqual(['3', '3']);
    await expectAccessible(page, 'the dashboard');
    await screenshots(page, 'admin-dashboard');
  });

  it('finds an order by its external id, opens it and reads its timeline', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    await heading('Orders');
    await page.getByRole('link', { name: 'WEB-1002' }).waitFor();
    await expectAccessible(page, 'the orders');
    await screenshots(page, 'admin-orders');

    // Pages of two (the address may set the page size): Next and Previous follow the hub's cursors.
    await page.goto('/orders?limit=2');
    await page.getByRole('link', { name: 'WEB-1002' }).waitFor();
    expect(await page.getByRole('link', { name: 'WEB-1001' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('link', { name: 'WEB-1001' }).waitFor();
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByRole('link', { name: 'WEB-BIG-1' }).waitFor();
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    await page.goto('/orders');

    // Filters: the state, and the placed days (the browser's own days, as a person picks them).
    const search = page.getByRole('button', { name: 'Search' });
    await page.getByLabel('State').selectOption('on_hold');
    await search.click();
    await until('the held order alone', async () => (await page.getByRole('row').count()) === 2);
    await page.getByRole('link', { name: 'WEB-BIG-1' }).waitFor();
    const day = (offset: number) => {
      const d = new Date();
      d.setDate(d.getDate() + offset);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Placed from').fill(day(1));
    await search.click();
    await page.getByText('No orders match.').waitFor();
    await page.getByLabel('Placed from').fill(day(0));
    await page.getByLabel('Placed to').fill(day(0));
    await search.click();
    await page.getByRole('link', { name: 'WEB-1002' }).waitFor();
    await page.getByLabel('Placed from').fill('');
    await page.getByLabel('Placed to').fill('');

    await page.getByRole('searchbox', { name: 'Search' }).fill('WEB-1001');
    await search.click();
    await until('the search to leave one order', async () => (await page.getByRole('row').count()) === 2);
    expect(await page.getByRole('link', { name: 'WEB-1002' }).count()).toBe(0);
    await page.getByRole('link', { name: 'WEB-1001' }).click();

    await heading('Order WEB-1001');
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByText('order: received').waitFor();
    await timeline.getByText('purchase order: created').waitFor();
    await page.getByRole('heading', { name: /^PO-\w+ to prompt/ }).waitFor();
    await expectAccessible(page, 'an order');
    await screenshots(page, 'admin-order');
  });

  it('cancels a line from the order page with a reason; a reroute the hub refuses shows why in the dialog', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('link', { name: 'WEB-1002' }).click();
    await heading('Order WEB-1002');

    await page.getByRole('button', { name: 'Reroute' }).click();
    const reroute = page.getByRole('dialog', { name: 'Send lines of order WEB-1002 elsewhere?' });
    await reroute.getByLabel(/^Line 1:/).check();
    await reroute.getByLabel('Send to').selectOption('flaky');
    await expectAccessible(page, 'the reroute dialog');
    await reroute.getByRole('button', { name: 'Reroute' }).click();
    // Flaky has no offer for the mug: the hub's reason stays in the open dialog.
    await reroute.getByRole('alert').filter({ hasText: 'flaky does not offer MUG-BLUE' }).waitFor();
    await reroute.getByRole('button', { name: 'Cancel' }).click();
    await reroute.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Cancel order WEB-1002' }).click();
    const cancel = page.getByRole('dialog', { name: 'Cancel order WEB-1002?' });
    await cancel.getByLabel(/^Line 1:/).check();
    await cancel.getByLabel('Reason').fill('Out of stock, sorry');
    await cancel.getByRole('button', { name: 'Cancel and refund' }).click();
    await cancel.waitFor({ state: 'detached' });
    await page
      .getByRole('list', { name: 'Timeline' })
      .getByText(/cancel/i)
      .first()
      .waitFor();
    const order = await t.api('/api/v1/orders?q=WEB-1002');
    expect(order.body.orders[0].state).toBe('cancelled');
  });

  it('approves a held order from the review queue, after a confirmation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review' }).click();
    await heading('Review');
    const row = page.getByRole('row').filter({ hasText: 'WEB-BIG-1' });
    await row.waitFor();
    await expectAccessible(page, 'the review queue');
    await screenshots(page, 'admin-review');

    const approve = row.getByRole('button', { name: 'Approve' });
    await approve.click();
    const dialog = page.getByRole('dialog', { name: 'Approve order WEB-BIG-1?' });
    await dialog.waitFor();
    await expectAccessible(page, 'the approve dialog');
    // Escape closes it, doing nothing, and focus goes back to the button.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await approve.evaluate((b) => b === document.activeElement)).toBe(true);

    await approve.click();
    await dialog.getByLabel('Note (optional)').fill('A regular customer');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('No order is waiting for review.').waitFor();
    const order = await t.api('/api/v1/orders?q=WEB-BIG-1');
    expect(order.body.orders[0].state).not.toBe('on_hold');
  });

  it('replays a dead letter, after a confirmation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dead letters' }).click();
    await heading('Dead letters');
    await page.getByText('HTTP 500 from the storefront').waitFor();
    await expectAccessible(page, 'the dead letters');
    await screenshots(page, 'admin-dead-letters');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page
      .getByRole('dialog', { name: 'Replay job job_dead_ui_1?' })
      .getByRole('button', { name: 'Replay' })
      .click();
    await page.getByText('No job has run out of attempts.').waitFor();
    const job = await t.hub.store.db
      .selectFrom('jobs')
      .select('state')
      .where('id', '=', 'job_dead_ui_1')
      .executeTakeFirstOrThrow();
    expect(job.state).toBe('pending');
  });

  it('pages through the dead letters with Next and Previous', async () => {
    for (const n of [1, 2, 3])
      await t.hub.store.db
        .insertInto('jobs')
        .values(
          deadJob(`job_dead_page_${n}`, {
            key: `dead-page-${n}`,
            last_error: `failure ${n}`,
            updated_at: 3_000 + n,
          }),
        )
        .execute();
    // Pages of two, the last to die first.
    await page.goto('/dead-letters?limit=2');
    await heading('Dead letters');
    const job = (n: number) => page.getByRole('rowheader', { name: new RegExp(`^job_dead_page_${n} `) });
    await job(3).waitFor();
    await job(2).waitFor();
    expect(await job(1).count()).toBe(0);
    await page.getByRole('button', { name: 'Next' }).click();
    await job(1).waitFor();
    expect(await job(3).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await job(3).waitFor();
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'a page of dead letters');
  });

  it('shows channels, suppliers and stock', async () => {
    // One purchase order missed its deadline: the supplier's row counts it beside its open ones.
    await t.hub.store.db
      .updateTable('purchase_orders')
      .set({ ack_overdue_at: Date.now() })
      .where('supplier_id', '=', 'prompt')
      .execute();
    for (const [link, title, expected] of [
      ['Channels', 'Channels', 'Test storefront'],
      ['Suppliers', 'Suppliers', 'Prompt Supply'],
      ['Stock', 'Stock', ''],
    ] as const) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
      await heading(title);
      if (expected) await page.getByText(expected).first().waitFor();
      await expectAccessible(page, title);
      await screenshots(page, `admin-${title.toLowerCase()}`);
    }
    // Stock, found by the start of a SKU, each level with what the channels were told.
    await page.getByRole('searchbox', { name: 'SKU' }).fill('MUG');
    await page.getByRole('button', { name: 'Search' }).click();
    const mug = page.getByRole('row').filter({ hasText: 'MUG-BLUE' });
    await mug.waitFor();
    await until('only the SKUs starting with MUG', async () => (await page.getByRole('row').count()) === 2);
    const level = (await t.api('/api/v1/stock?sku=MUG-BLUE')).body.levels[0];
    const told = level.channels.length
      ? level.channels.map((c: { channelId: string; told: number }) => `${c.channelId}: ${c.told}`).join(' ')
      : 'not yet';
    expect((await mug.getByRole('cell').allTextContents()).map((text) => text.trim())).toEqual([
      String(level.onHand),
      String(level.reserved),
      String(level.available ?? 'not limited'),
      told,
    ]);
    const suppliers = (await t.api('/api/v1/suppliers')).body.suppliers;
    const prompt = suppliers.find((s: { id: string }) => s.id === 'prompt');
    expect(prompt.openPurchaseOrders).toBeGreaterThan(0);
    expect(prompt.slaMisses30d).toBeGreaterThan(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Suppliers' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Prompt Supply' });
    await row.waitFor();
    // Transport, currency, the agreement (a day, the default; not paused), open POs, late in 30 days.
    expect((await row.getByRole('cell').allTextContents()).slice(2, 5)).toEqual([
      'answers within 1 day',
      String(prompt.openPurchaseOrders),
      String(prompt.slaMisses30d),
    ]);
  });

  it('refuses a change made with the session cookie but without the CSRF header', async () => {
    const answer = await page.evaluate(async () => {
      const response = await fetch('/api/v1/dead-letters/job_dead_ui_1/replay', { method: 'POST' });
      return { status: response.status, body: (await response.json()) as { code: string } };
    });
    expect(answer).toMatchObject({ status: 403, body: { code: 'csrf' } });
    expectNoPageErrors(page);
  });

  it('a read-only user sees no action buttons', async () => {
    const { signInPath } = await createUser(t.hub.ctx, { email: 'viewer@example.com', role: 'read-only' });
    const viewer = await newPage(browser, t.url);
    try {
      await viewer.goto(signInPath);
      await viewer.getByRole('heading', { name: 'Choose a password' }).waitFor();
      await viewer.getByRole('button', { name: 'Not now' }).click();
      await viewer.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const held = await t.api('/api/v1/channels/storefront/orders', {
        body: orderBody('WEB-BIG-2', [{ sku: 'MUG-BLUE', quantity: 10 }]),
      });
      await viewer.goto(`/orders/${held.body.id}`);
      await viewer.getByRole('heading', { level: 1, name: 'Order WEB-BIG-2' }).waitFor();
      await viewer.getByText('Timeline').waitFor();
      expect(await viewer.getByRole('button', { name: /Approve|Reroute|Cancel/ }).count()).toBe(0);
      expectNoPageErrors(viewer);
    } finally {
      await viewer.context().close();
    }
  });

  it("an admin adds a supplier's user, whose link opens the portal; a session that ends goes back to sign-in", async () => {
    const { signInPath } = await createUser(t.hub.ctx, { email: 'boss@example.com', role: 'admin' });
    const admin = await newPage(browser, t.url);
    try {
      await admin.goto(signInPath);
      await admin.getByRole('button', { name: 'Not now' }).click();
      await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
      await admin.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
      await admin.getByLabel('Email').fill('dispatch@prompt.example');
      await admin.getByLabel('Works as').selectOption('supplier:prompt');
      await admin.getByRole('button', { name: 'Add' }).click();
      const link = await admin.getByRole('status').locator('code').textContent();
      expect(link).toMatch(/\/portal\/sign-in#link=/);
      await admin.getByRole('row').filter({ hasText: 'dispatch@prompt.example' }).waitFor();
      await expectAccessible(admin, 'the users');
      await screenshots(admin, 'admin-users');

      const supplier = await newPage(browser, t.url);
      await supplier.goto(link!);
      await supplier.getByRole('heading', { level: 1, name: 'Choose a password' }).waitFor();
      expect(await supplier.title()).toContain('supplier portal');
      await supplier.context().close();

      // The hub ends every session (as it does when a password changes): the next call answers 401.
      await t.hub.store.db.deleteFrom('user_sessions').execute();
      await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
      await admin.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await admin.getByText('Your session has ended').waitFor();
      expectNoPageErrors(admin);
    } finally {
      await admin.context().close();
    }
  });
});
