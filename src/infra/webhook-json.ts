/**
 * Parses a channel's stored webhook payload, with every U+0000 taken out of its strings and keys. The order exists
 * at the channel whatever Waybill thinks of a NUL in a customer's name, and PostgreSQL cannot store one in text
 * (SQLite can): dropping it takes the order in, the same on both databases. A string `\u0000` only arrives escaped,
 * since JSON allows no raw control character in a string, so it is there only after parsing.
 *
 * @example
 * parseWebhookJson('{"name":"Ann\\u0000 Smith"}'); // { name: 'Ann Smith' }
 */
export function parseWebhookJson(text: string): unknown {
  if (!text.includes('\\u0000')) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'string') return value.replaceAll('\0', '');
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.keys(value).some((k) => k.includes('\0'))) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replaceAll('\0', ''), v]));
  });
}
