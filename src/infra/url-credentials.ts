/** `scheme://user:password@` (or `scheme://token@`) inside any text: what an address may carry for a proxy. */
const CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/**
 * The text with the credentials of every address in it replaced by `***`: settings are shown and errors are told
 * to operators, and an address such as a proxy's (`https://user:pass@proxy.example`) must not carry its secret there.
 *
 * @example
 * withoutUrlCredentials('https://bob:s3cret@proxy.example/admin answered 502'); // 'https://***@proxy.example/admin answered 502'
 */
export function withoutUrlCredentials(text: string): string {
  return text.replace(CREDENTIALS, '$1***@');
}

/** A settings object with every string value passed through withoutUrlCredentials (one level deep, as settings are). */
export function settingsWithoutCredentials<T extends Record<string, unknown>>(settings: T): T {
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [
      key,
      typeof value === 'string' ? withoutUrlCredentials(value) : value,
    ]),
  ) as T;
}
