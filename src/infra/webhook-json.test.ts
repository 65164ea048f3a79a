import { expect, it } from 'vitest';
import { parseWebhookJson } from './webhook-json.ts';

it('takes U+0000 out of every string and key, however deep, and leaves the rest as JSON.parse reads it', () => {
  const text = JSON.stringify({
    customer: { first_name: 'Ann\u0000', tags: ['a\u0000b', 3, null, true] },
    'note\u0000': '\u0000\u0000',
    price: '12.99',
  });
  expect(parseWebhookJson(text)).toEqual({
    customer: { first_name: 'Ann', tags: ['ab', 3, null, true] },
    note: '',
    price: '12.99',
  });
});

it('a payload without one is parsed as JSON.parse parses it, U+0001 and an escaped backslash before u0000 included', () => {
  const text = JSON.stringify({ a: 'x\u0001y', b: 'C:\\u0000', n: [1.5, -2] });
  expect(parseWebhookJson(text)).toEqual(JSON.parse(text));
});

it('malformed JSON throws as JSON.parse does', () => {
  expect(() => parseWebhookJson('{"a": "\\u0000')).toThrow(SyntaxError);
});

it('JSON nested 100,000 deep with a U+0000 at the bottom is read, without overflowing the stack', () => {
  const depth = 100_000;
  let value: unknown = parseWebhookJson(`${'['.repeat(depth)}"a\\u0000b"${']'.repeat(depth)}`);
  for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
  expect(value).toBe('ab');
});
