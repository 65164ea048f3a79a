import { expect, it } from 'vitest';
import { findNul } from './refuse-nul.ts';

it('names the first U+0000 in document order, in a string or a key, as the problem names fields', () => {
  expect(findNul({ customer: { name: 'Ann' }, lines: [{ sku: 'A' }, { sku: 'B\0', note: '\0' }] })).toBe(
    'lines[1].sku',
  );
  expect(findNul({ a: 'x', 'b\0': 1 })).toBe('b\0');
  expect(findNul('\0')).toBe('');
  expect(findNul({ a: ['ok', 1, null, true], b: 'fine' })).toBeNull();
});

it('does not look into raw bytes (a webhook body kept for its signature)', () => {
  expect(findNul(Buffer.from('a\0b'))).toBeNull();
});

it('walks JSON nested 100,000 deep without overflowing the stack', () => {
  const depth = 100_000;
  const deep: unknown = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
  expect(findNul(deep)).toBe('[0]'.repeat(depth));
});
