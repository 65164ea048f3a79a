import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidGtin } from '../domain/gtin.ts';
import { currency } from '../domain/money.ts';
import { CellProblem, DecimalReader, isGtin, type NumberFormat } from './cell-values.ts';

describe('GTIN check digits', () => {
  it('are judged as domain/gtin.ts judges them', () => {
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    fc.assert(
      fc.property(fc.oneof(digits(7, 15), fc.string({ maxLength: 15 }), digits(13, 13)), (text) => {
        expect(isGtin(text)).toBe(isValidGtin(text));
      }),
      { numRuns: 5000 },
    );
    expect(isGtin('4006381333931')).toBe(true);
  });
});

/**
 * What a decimal reads as, the slow and sure way: the pattern the reader has always used for the shape, BigInt for
 * the value. The reader's pattern-free path must change no result.
 */
function reference(text: string, digits: number, format: NumberFormat): number | 'refused' {
  const groups = { ',': ',', '.': '\\.', ' ': '[ \\u00a0\\u202f]', "'": "['\\u2019]" };
  const group = format.thousands === undefined ? undefined : groups[format.thousands];
  const whole = group === undefined ? '(\\d*)' : `(\\d{1,3}(?:${group}\\d{3})+|\\d*)`;
  const match = new RegExp(`^${whole}(?:\\${format.decimal}(\\d*))?$`).exec(text);
  if (!match || match[1]! + (match[2] ?? '') === '') return 'refused';
  const fraction = match[2] ?? '';
  if (/[1-9]/.test(fraction.slice(digits))) return 'refused';
  const units = BigInt(match[1]!.replace(/\D/g, '') + fraction.slice(0, digits).padEnd(digits, '0') || '0');
  return units <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(units) : 'refused';
}

describe('decimals', () => {
  const formats: NumberFormat[] = [
    { decimal: '.' },
    { decimal: ',', thousands: '.' },
    { decimal: '.', thousands: ',' },
    { decimal: ',', thousands: ' ' },
    { decimal: '.', thousands: "'" },
  ];

  it('read exactly what the pattern and BigInt read, for any text', () => {
    const text = fc.string({
      unit: fc.constantFrom(...'0123456789', '0', '9', '.', ',', ' ', "'", '-', 'e', '\u00a0'),
      maxLength: 22,
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...formats),
        text,
        fc.integer({ min: 0, max: 4 }),
        (format, text, digits) => {
          const read = new DecimalReader(format).read(text, digits);
          expect(read instanceof CellProblem ? 'refused' : read).toBe(reference(text, digits, format));
        },
      ),
      { numRuns: 20000 },
    );
  });

  it('say why they are refused', () => {
    const german = new DecimalReader({ decimal: ',', thousands: '.' });
    const reasons = ['12.50', '1,234', '-1', '99999999999999999'].map(
      (t) => (german.read(t, 2, currency('EUR')) as CellProblem).reason,
    );
    expect(reasons).toEqual([
      '"12.50" is not a number written with "," before the decimals and "." between thousands',
      '"1,234" has 3 decimals; EUR has 2',
      '"-1" is negative',
      '"99999999999999999" is too large',
    ]);
  });
});
