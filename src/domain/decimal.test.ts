import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmountError,
  decimalToMinorUnits,
  numberToDecimalText,
  numberToMinorUnits,
  type DecimalOptions,
} from './decimal.ts';
import { money, toDecimalString } from './money.ts';

const ROUND: DecimalOptions = { extraDigits: 'round-half-away-from-zero' };

describe('decimalToMinorUnits', () => {
  it.each([
    ['12.99', 'USD', 1299],
    ['12.9', 'USD', 1290],
    ['12', 'USD', 1200],
    ['30.0', 'USD', 3000],
    ['0.02', 'USD', 2],
    ['0.00', 'USD', 0],
    ['-0.00', 'USD', 0],
    ['-3.00', 'EUR', -300],
    ['-2.5', 'EUR', -250],
    // A float would make 0.29 × 100 = 28.999999999999996.
    ['0.29', 'USD', 29],
    ['0.2900', 'USD', 29],
    ['12.3400', 'USD', 1234],
    ['10.500', 'USD', 1050],
    ['1500', 'JPY', 1500],
    ['1500.0000', 'JPY', 1500],
    ['1.234', 'BHD', 1234],
    ['1.2340', 'KWD', 1234],
    [' 12.99 ', 'USD', 1299],
    ['90071992547409.91', 'USD', Number.MAX_SAFE_INTEGER],
    ['90071992547409.9100', 'USD', Number.MAX_SAFE_INTEGER],
  ])('reads %j %s as %d exactly, trailing zeros past the minor unit or not', (text, code, units) => {
    expect(decimalToMinorUnits(text, code)).toBe(units);
    expect(decimalToMinorUnits(text, code, ROUND)).toBe(units);
  });

  it('refuses a non-zero digit past the minor unit by default, naming the field', () => {
    expect(() => decimalToMinorUnits('12.345', 'USD', { field: 'orderItems[0].x' })).toThrow(
      /^orderItems\[0\]\.x: 12\.345 has more decimals than USD's 2$/,
    );
    expect(() => decimalToMinorUnits('10.005', 'USD')).toThrow(/^10\.005 has more decimals than USD's 2$/);
    expect(() => decimalToMinorUnits('1500.5', 'JPY')).toThrow(/JPY's 0/);
    expect(() => decimalToMinorUnits('41.5750', 'USD')).toThrow(/more decimals/);
  });

  it.each([
    ['8.3333', 'USD', 833],
    ['8.335', 'USD', 834],
    ['8.3349999', 'USD', 833],
    // A float would make this 1.00 (1.005 is 1.00499… in binary); PHP pre-rounds to 1.01, and so does the text.
    ['1.005', 'USD', 101],
    ['0.995', 'USD', 100],
    ['41.5750', 'USD', 4158],
    ['41.5749', 'USD', 4157],
    ['1499.5', 'JPY', 1500],
    ['1499.49', 'JPY', 1499],
    ['-3.005', 'USD', -301],
    ['-0.0050', 'USD', -1],
    ['-0.001', 'USD', 0],
  ])('rounds %j %s half away from zero, once, to %d when asked', (text, code, units) => {
    const read = decimalToMinorUnits(text, code, ROUND);
    expect(read).toBe(units);
    expect(Object.is(read, -0)).toBe(false);
  });

  it.each([
    '',
    '   ',
    '1,50',
    '12,34',
    '1.',
    '.5',
    '1e3',
    '1E3',
    'NaN',
    'Infinity',
    '12.99 USD',
    '+1',
    '--1',
    '0x10',
  ])('refuses %j as not a decimal amount, naming the field', (text) => {
    expect(() => decimalToMinorUnits(text, 'USD', { field: 'total' })).toThrow(
      `total: ${JSON.stringify(text)} is not a decimal amount like "12.99"`,
    );
  });

  it('refuses a figure past a safe integer of minor units, and a code that is not a currency', () => {
    expect(() => decimalToMinorUnits('90071992547409.92', 'USD')).toThrow(/too large for USD/);
    expect(() => decimalToMinorUnits('99999999999999999.00', 'USD', ROUND)).toThrow(/too large/);
    expect(() => decimalToMinorUnits('1.00', 'XXY')).toThrow(/ISO 4217/);
  });

  it('refuses more significant digits than asked for', () => {
    expect(decimalToMinorUnits('0.0001', 'USD', { ...ROUND, significantDigits: 15 })).toBe(0);
    expect(decimalToMinorUnits('99999999.99', 'USD', { significantDigits: 15 })).toBe(9999999999);
    expect(() =>
      decimalToMinorUnits('1234567890123.457', 'USD', { ...ROUND, significantDigits: 15 }),
    ).toThrow(/more than 15 significant digits/);
  });

  it('throws an AmountError, a RangeError saying why and naming the field', () => {
    const read = () => decimalToMinorUnits('1.234', 'USD', { field: 'price' });
    expect(read).toThrow(AmountError);
    expect(read).toThrow(RangeError);
    expect(read).toThrow(
      expect.objectContaining({ code: 'bad_amount', reason: 'extra-digits', field: 'price', text: '1.234' }),
    );
  });

  it('reads back every amount toDecimalString writes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom('USD', 'JPY', 'BHD', 'CLF'),
        (amount, code) => {
          expect(decimalToMinorUnits(toDecimalString(money(amount, code)), code)).toBe(amount);
        },
      ),
    );
  });
});

describe('numberToMinorUnits', () => {
  it('reads a JSON number from its shortest decimal text, never multiplying the double', () => {
    expect(numberToMinorUnits(9.99, 'USD')).toBe(999);
    expect(numberToMinorUnits(232.75, 'USD')).toBe(23275);
    expect(numberToMinorUnits(12.99, 'USD')).toBe(1299);
    // Magento's 0.3 arrives as the double nearest 0.3, which reads as 30.
    expect(numberToMinorUnits(0.3, 'USD')).toBe(30);
    expect(numberToMinorUnits(4.35, 'USD')).toBe(435);
    expect(numberToMinorUnits(99999999.99, 'USD')).toBe(9999999999);
    expect(numberToMinorUnits(-3, 'EUR')).toBe(-300);
    expect(numberToMinorUnits(1500, 'JPY')).toBe(1500);
    expect(numberToMinorUnits(1.234, 'BHD')).toBe(1234);
  });

  it('rounds as decimalToMinorUnits does when asked', () => {
    expect(numberToMinorUnits(0.1 + 0.2, 'USD', ROUND)).toBe(30);
    expect(() => numberToMinorUnits(0.1 + 0.2, 'USD')).toThrow(/0\.30000000000000004 has more decimals/);
    expect(numberToMinorUnits(1.005, 'USD', ROUND)).toBe(101);
    expect(numberToMinorUnits(10.8333, 'USD', ROUND)).toBe(1083);
    expect(numberToMinorUnits(10.835, 'USD', ROUND)).toBe(1084);
    expect(numberToMinorUnits(-10.835, 'USD', ROUND)).toBe(-1084);
    expect(numberToMinorUnits(1e-7, 'USD', ROUND)).toBe(0);
  });

  it('refuses what is not a finite amount, or too large, naming the field', () => {
    expect(() => numberToMinorUnits(Number.NaN, 'USD', { field: 'grand_total' })).toThrow(
      /^grand_total: NaN is not an amount$/,
    );
    expect(() => numberToMinorUnits(Infinity, 'USD')).toThrow(AmountError);
    expect(() => numberToMinorUnits(1e21, 'USD')).toThrow(/too large/);
  });
});

describe('numberToDecimalText', () => {
  it('is the shortest decimal that reads back as the same number, without an exponent', () => {
    expect([12.3, 1e-7, -2.5e-8, 1e21, 1.5e300, 0.30000000000000004, -0].map(numberToDecimalText)).toEqual([
      '12.3',
      '0.0000001',
      '-0.000000025',
      '1000000000000000000000',
      '15' + '0'.repeat(299),
      '0.30000000000000004',
      '0',
    ]);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const text = numberToDecimalText(n);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(text)).toBe(n === 0 ? 0 : n); // -0 is written 0
      }),
    );
  });
});
