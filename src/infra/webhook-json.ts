/**
 * Parses a channel's stored webhook payload, with every U+0000 taken out of its strings and keys. The order exists
 * at the channel whatever Waybill thinks of a NUL in a customer's name, and PostgreSQL cannot store one in text
 * (SQLite can): dropping it takes the order in, the same on both databases. JSON allows no raw control character
 * in a string, so a U+0000 comes escaped (`\u0000`), and a payload without that text is parsed as it is.
 *
 * @example
 * parseWebhookJson('{"name":"Ann\\u0000 Smith"}'); // { name: 'Ann Smith' }
 * parseWebhookJson(text, tryParseJson(text)!);  // the same, from the value already parsed
 */
export function parseWebhookJson(text: string, parsed?: ParsedJson): unknown {
  const value: unknown = parsed ? parsed.value : JSON.parse(text);
  return text.includes('\\u0000') ? withoutNul(value) : value;
}

/** A body already parsed (by the webhook route, which must know it is JSON), so it is not parsed twice. */
export interface ParsedJson {
  readonly value: unknown;
}

/** The body parsed, or null when it is not JSON. */
export function tryParseJson(text: string): ParsedJson | null {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

/** A copy without U+0000, walked with its own stack: JSON nested deeper than the call stack is still valid JSON. */
function withoutNul(value: unknown): unknown {
  const root: Record<string, unknown> = { value };
  const pending: [Record<string, unknown>, string][] = [[root, 'value']];
  while (pending.length > 0) {
    const [holder, key] = pending.pop()!;
    const item = holder[key];
    if (typeof item === 'string') {
      holder[key] = item.replaceAll('\0', '');
    } else if (item !== null && typeof item === 'object') {
      // An array is copied as an object keyed '0', '1', … and turned back into an array below.
      const copy: Record<string, unknown> = Object.fromEntries(
        Object.entries(item).map(([k, v]) => [k.replaceAll('\0', ''), v]),
      );
      holder[key] = Array.isArray(item) ? Object.assign([], copy) : copy;
      for (const k of Object.keys(copy)) pending.push([holder[key] as Record<string, unknown>, k]);
    }
  }
  return root.value;
}
