import { afterEach, expect, it } from 'vitest';
import { freePort } from '../../sim/shared.ts';
import type { SetupFields } from '../../src/connectors/shared/setup-fields.ts';

/** One adapter's simulator, started, and the settings and secrets that reach it (and a secret it refuses). */
export interface ContractHarness {
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  /** The same, with the credential the other side checks changed. */
  wrongSecrets: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The harnesses of a registry's contract suite, by kind: `start(kind)` starts one (closed after the test); a kind of
 * the registry without one fails its suite's first test, so a new adapter cannot join without its tests.
 */
export function contractHarnesses<H extends ContractHarness>(
  what: string,
  table: Readonly<Record<string, () => Promise<H>>>,
) {
  const open: H[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });
  return {
    kinds: Object.keys(table),
    async start(kind: string): Promise<H> {
      const make = table[kind];
      if (!make) throw new Error(`${what} kind ${kind} has no contract harness`);
      const harness = await make();
      open.push(harness);
      return harness;
    },
  };
}

/** Options of a connection test that gives up in time. */
export const testOptions = () => ({ signal: AbortSignal.timeout(10_000), now: new Date() });

/** The settings with every loopback address moved to a port nobody listens on (a platform that does not answer). */
export function unanswered(config: Record<string, unknown>, closedPort: number): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      typeof value === 'string' && value.startsWith('http://127.0.0.1:')
        ? `http://127.0.0.1:${closedPort}${new URL(value).pathname.replace(/\/$/, '')}`
        : // A server named by host and port (SFTP, SMTP) on loopback.
          key === 'port' && config.host === '127.0.0.1'
          ? closedPort
          : value,
    ]),
  );
}

/** The settings with their first field given a value no schema takes. */
export function brokenSettings(setup: SetupFields, config: Record<string, unknown>): Record<string, unknown> {
  return { ...config, [Object.keys(setup.config.shape)[0]!]: 42 };
}

/** What every adapter kind offers the common contract: its setup fields and its connection test. */
interface TestedKind {
  kind: string;
  label: string;
  setup: SetupFields;
  test(config: unknown, secrets: unknown, options: ReturnType<typeof testOptions>): Promise<{ ok: boolean }>;
}

/**
 * The part of the contract every adapter interface shares, as tests in the caller's describe: a harness and a label,
 * settings and secrets disjoint, and a connection test that passes, names refused credentials and names a side that
 * does not answer. `other` names the other side in the test titles (a platform, a supplier).
 */
export function commonContract<H extends ContractHarness>(
  kind: TestedKind,
  harnesses: ReturnType<typeof contractHarnesses<H>>,
  other: string,
  checks: { afterPassingTest?: (h: H) => void } = {},
): void {
  it(`has a harness against ${other} simulator, and a label`, () => {
    expect(harnesses.kinds).toContain(kind.kind);
    expect(kind.label).not.toBe('');
  });

  it('declares each setup field once: a setting or a secret, never both', () => {
    const config = Object.keys(kind.setup.config.shape);
    expect(Object.keys(kind.setup.secrets.shape).filter((key) => config.includes(key))).toEqual([]);
  });

  it('its connection test passes with the right credentials', async () => {
    const h = await harnesses.start(kind.kind);
    expect(await kind.test(h.config, h.secrets, testOptions())).toMatchObject({ ok: true });
    checks.afterPassingTest?.(h);
  });

  it('its connection test names refused credentials', async () => {
    const h = await harnesses.start(kind.kind);
    expect(await kind.test(h.config, h.wrongSecrets, testOptions())).toMatchObject({
      ok: false,
      reason: 'unauthorized',
    });
  });

  it(`its connection test names ${other} that does not answer`, async () => {
    const h = await harnesses.start(kind.kind);
    const elsewhere = unanswered(h.config, await freePort());
    expect(await kind.test(elsewhere, h.secrets, testOptions())).toMatchObject({
      ok: false,
      reason: 'unreachable',
    });
  });
}
