/** `scheme://user:password@` (or `scheme://token@`) inside any text: what an address may carry for a proxy. */
const CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/**
 * The text with the credentials of every address in it (its user and password, and the values of its secret-named
 * query parameters) replaced by `***`: settings are shown and errors are told
 * to operators, and an address such as a proxy's (`https://user:pass@proxy.example`) must not carry its secret there.
 *
 * @example
 * withoutUrlCredentials('https://bob:s3cret@proxy.example/admin answered 502'); // 'https://***@proxy.example/admin answered 502'
 */
export function withoutUrlCredentials(text: string): string {
  return text
    .replace(CREDENTIALS, '$1***@')
    .replace(QUERY_PARAMETER, (whole, prefix: string, name: string) =>
      isSecretName(name) ? `${prefix}***` : whole,
    );
}

/**
 * Names of query parameters (token=, api_key=, X-Amz-Signature=) and headers (Authorization, X-Api-Key) whose values
 * are secrets: a pre-signed or tokenised address carries its credential in the query.
 */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

const SECRET_NAME = /token|key|secret|sig|pass|pwd|credential|auth|cookie/i;
const QUERY_PARAMETER = /([?&]([^=&#\s]*)=)([^&#\s]*)/g;

/** A settings object with every string value passed through withoutUrlCredentials (one level deep, as settings are). */
export function settingsWithoutCredentials<T extends Record<string, unknown>>(settings: T): T {
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [
      key,
      typeof value === 'string' ? withoutUrlCredentials(value) : value,
    ]),
  ) as T;
}
