import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

/** Debian's Chromium (package chromium; .ci/run installs it). Playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

const BUILT_UI = fileURLToPath(new URL('../../ui/dist/index.html', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core');

/** The sizes the UI must work at: a laptop, and a tablet held upright. */
export const DESKTOP = { width: 1280, height: 800 } as const;
export const TABLET = { width: 768, height: 1024 } as const;

/**
 * Runs `body` when Debian's Chromium is installed; otherwise skips with a visible reason, and with
 * WAYBILL_TEST_REQUIRE=all (CI) the missing browser is a failure instead, like the other outside programs' tests.
 *
 * @example
 * describeWithChromium('the admin UI', () => { it('signs in', async () => { const browser = await launchChromium(); ... }); });
 */
export function describeWithChromium(title: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, body);
  } else if (process.env.WAYBILL_TEST_REQUIRE === 'all') {
    describe(title, () => {
      it('runs in a real Chromium', () => {
        throw new Error(`WAYBILL_TEST_REQUIRE=all, but ${CHROMIUM} is missing: apt-get install chromium`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${CHROMIUM} is missing; apt-get install chromium to run)`, () =>
      it.skip('needs Chromium'));
  }
}

/** A headless Chromium; the UI must have been built (the tests drive what `npm run build:ui` made, as users get it). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(BUILT_UI))
    throw new Error(
      `${BUILT_UI} is missing: run \`npm run build:ui\` (npm install does it) before the UI tests`,
    );
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * A new page at desktop size. The hub's pages allow scripts from the hub only (CSP); the accessibility check adds
 * axe-core as an inline script, so the test's context leaves CSP aside (the hub's own pages are what is checked).
 */
export async function newPage(
  browser: Browser,
  baseURL: string,
  /** More of the context, for a test that needs it (a time zone: `{ timezoneId: 'America/Chicago' }`). */
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: DESKTOP, bypassCSP: true, ...options });
  const page = await context.newPage();
  // Well inside the test's own timeout, so that a wait that fails names the element it waited for.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
  return page;
}

const pageErrors = new WeakMap<Page, string[]>();

/** A script error in the page is a bug in the UI: a test ends by checking there was none. */
export function expectNoPageErrors(page: Page): void {
  expect(pageErrors.get(page) ?? [], 'errors thrown in the page').toEqual([]);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe-core on the page as it is now; serious and critical violations fail the test, naming each. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`,
    );
  expect(bad, `accessibility of ${what}`).toEqual([]);
}

/**
 * Screenshots of the page at desktop and tablet width, into test/ui/artifacts/ (ignored by git); at tablet width the
 * page itself must not scroll sideways (a wide table scrolls in its own box).
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}-1280x800.png`, fullPage: true });
  await page.setViewportSize(TABLET);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  await page.screenshot({ path: `${ARTIFACTS}${name}-768x1024.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);
  expect(overflow, `${name} scrolls sideways at 768 px by ${overflow} px`).toBeLessThanOrEqual(0);
}
