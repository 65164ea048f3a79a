/**
 * Waits until `check` holds, polling every 25 ms; after `timeoutMs` fails naming what it waited for (and, with
 * `describe`, what it saw instead). Tests wait for outcomes this way, never for fixed times.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 25_000,
  describe?: () => string | Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
