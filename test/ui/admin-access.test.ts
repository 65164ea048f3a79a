import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../src/app/users.ts';
import { startTestHub, testSetup, type TestHub } from '../support/hub.ts';
import { until } from '../support/until.ts';
import {
  describeWithChromium,
  expectAccessible,
  expectNoPageErrors,
  launchChromium,
  newPage,
  screenshots,
} from './browser.ts';

/**
 * Who gets in, in a real Chromium: an admin makes an API key (shown once, copied, working), revokes it (refused
 * within the hub's 5 seconds once used, at once if never used); gives a person a new sign-in link; disables a person
 * signed in elsewhere, whose next step lands on sign-in; cannot disable themself (the hub's reason shown).
 */
describeWithChromium('the admin UI: API keys and users', () => {
  let t: TestHub;
  let browser: Browser;
  let admin: Page;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub('sqlite'), launchChromium()]);
    await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
    admin = await signedIn('boss@example.com', 'admin');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A new browser context signed in as a new operator, on the dashboard. */
  async function signedIn(email: string, role: 'admin' | 'operator'): Promise<Page> {
    const { signInPath } = await createUser(t.hub.ctx, { email, role });
    const page = await newPage(browser, t.url);
    await page.goto(signInPath);
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    return page;
  }

  const statusWithKey = async (key: string) =>
    (await fetch(`${t.url}/api/v1/orders`, { headers: { authorization: `Bearer ${key}` } })).status;

  async function makeKey(label: string, role: string): Promise<string> {
    await admin.getByLabel('Label (optional)').fill(label);
    await admin.getByLabel('Role').selectOption(role);
    await admin.getByRole('button', { name: 'Make key' }).click();
    const shown = admin.getByRole('status').filter({ hasText: 'Copy it now: it is not shown again.' });
    await shown.waitFor();
    const key = await shown.locator('code').textContent();
    expect(key).toMatch(/^wb_/);
    await admin.getByRole('row').filter({ hasText: label }).getByText('active').waitFor();
    return key!;
  }

  async function revoke(label: string): Promise<void> {
    const row = admin.getByRole('row').filter({ hasText: label });
    await row.getByRole('button', { name: /^Revoke key_/ }).click();
    const dialog = admin.getByRole('dialog', { name: new RegExp(`^Revoke key “${label}”`) });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('revoked', { exact: true }).waitFor();
    expect(await row.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
  }

  it('an admin makes an API key, sees it once and copies it; it works, and once revoked it is refused', async () => {
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await admin.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    const key = await makeKey('ERP export', 'operator');
    await admin.getByRole('button', { name: 'Copy the key' }).click();
    await admin.getByRole('status').getByText('Copied.').waitFor();
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await expectAccessible(admin, 'the API keys with a key shown');
    await screenshots(admin, 'admin-keys');

    // The key works, as an operator's: it reads orders and may not make keys.
    expect(await statusWithKey(key)).toBe(200);
    const asOperator = await fetch(`${t.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'admin' }),
    });
    expect(asOperator.status).toBe(403);

    // Shown once: the page opened again lists it without the key.
    await admin.reload();
    await admin.getByRole('row').filter({ hasText: 'ERP export' }).waitFor();
    expect(await admin.getByText(key).count()).toBe(0);

    await admin.getByRole('row').filter({ hasText: 'ERP export' }).getByRole('button').click();
    await admin.getByRole('dialog', { name: /^Revoke key “ERP export”/ }).waitFor();
    await expectAccessible(admin, 'the revoke dialog');
    await admin.keyboard.press('Escape');
    await revoke('ERP export');
    // It was used, so the hub may have it in its 5-second cache: refused within that.
    const revokedAt = Date.now();
    await until('the used key to be refused', async () => (await statusWithKey(key)) === 401, 7_000);
    expect(Date.now() - revokedAt).toBeLessThan(6_500);

    // A fresh key never used: refused as soon as it is revoked.
    const fresh = await makeKey('Never used', 'read-only');
    await revoke('Never used');
    expect(await statusWithKey(fresh)).toBe(401);
    expectNoPageErrors(admin);
  });

  it('an admin gives a person a new sign-in link, which opens the admin UI', async () => {
    await createUser(t.hub.ctx, { email: 'lost@example.com', role: 'operator' });
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await admin.getByRole('button', { name: 'New sign-in link for lost@example.com' }).click();
    const dialog = admin.getByRole('dialog', { name: 'A new sign-in link for lost@example.com?' });
    await expectAccessible(admin, 'the new link dialog');
    await dialog.getByRole('button', { name: 'Make the link' }).click();
    await dialog.waitFor({ state: 'detached' });
    const link = await admin.getByRole('status').filter({ hasText: 'Send lost@example.com' }).locator('code');
    const url = await link.textContent();
    expect(url).toMatch(new RegExp(`^${t.url}/sign-in#link=wbl_`));

    const lost = await newPage(browser, t.url);
    try {
      await lost.goto(url!);
      await lost.getByRole('heading', { level: 1, name: 'Choose a password' }).waitFor();
    } finally {
      await lost.context().close();
    }
  });

  it('an admin disables a person signed in elsewhere, whose next step lands on sign-in; not their own user', async () => {
    const leaving = await signedIn('leaving@example.com', 'operator');
    try {
      await admin.reload();
      const row = admin.getByRole('row').filter({ hasText: 'leaving@example.com' });
      await row.getByText('active').waitFor();
      await row.getByRole('button', { name: 'Disable leaving@example.com' }).click();
      const dialog = admin.getByRole('dialog', { name: 'Disable leaving@example.com?' });
      await expectAccessible(admin, 'the disable dialog');
      await dialog.getByRole('button', { name: 'Disable' }).click();
      await dialog.waitFor({ state: 'detached' });
      await row.getByText('disabled', { exact: true }).waitFor();
      expect(await row.getByRole('button').count()).toBe(0);
      await expectAccessible(admin, 'the users with one disabled');
      await screenshots(admin, 'admin-users-disabled');

      await leaving.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
      await leaving.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await leaving.getByText('Your session has ended').waitFor();
      expectNoPageErrors(leaving);
    } finally {
      await leaving.context().close();
    }

    // The hub refuses an admin's disabling their own user; its reason stays in the open dialog.
    await admin.getByRole('button', { name: 'Disable boss@example.com' }).click();
    const own = admin.getByRole('dialog', { name: 'Disable boss@example.com?' });
    await own.getByRole('button', { name: 'Disable' }).click();
    await own.getByRole('alert').filter({ hasText: 'an admin does not disable their own user' }).waitFor();
    await own.getByRole('button', { name: 'Cancel' }).click();
    await own.waitFor({ state: 'detached' });
    expectNoPageErrors(admin);
  });
});
