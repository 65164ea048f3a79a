import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  currency,
  formatMoney,
  isCurrencyCode,
  minorUnitDigits,
  money,
  sum,
  times,
  toDecimalString,
} from './money.ts';

const USD = currency('USD');
const EUR = currency('EUR');

describe('ISO 4217 currency codes', () => {
  it.each(['USD', 'EUR', 'JPY', 'GBP', 'BHD'])('accepts %s', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
    expect(currency(code)).toBe(code);
  });

  it.each([
    ['usd', 'lower case'],
    ['Usd', 'mixed case'],
    ['XXXX', 'four letters'],
    ['US', 'two letters'],
    ['ABC', 'three letters that are no currency'],
    ['DEM', 'a withdrawn currency (Deutsche Mark)'],
    ['', 'empty'],
    [' USD', 'surrounded by space'],
    ['US1', 'a digit'],
  ])('rejects %j (%s)', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
    expect(() => currency(code)).toThrow(RangeError);
    expect(() => currency(code)).toThrow(`not an ISO 4217 currency code: ${code}`);
  });

  it('refuses to build money in an unknown currency', () => {
    expect(() => money(100, 'ABC')).toThrow(RangeError);
  });
});

describe('money amounts are integer minor units', () => {
  it('keeps the amount and currency as given', () => {
    expect(money(1299, 'USD')).toEqual({ amount: 1299, currency: 'USD' });
    expect(money(0, 'JPY')).toEqual({ amount: 0, currency: 'JPY' });
    expect(money(-500, 'EUR')).toEqual({ amount: -500, currency: 'EUR' });
  });

  it.each([
    [12.99, 'a float'],
    [0.1, 'a fraction'],
    [Number.MAX_SAFE_INTEGER + 1, 'an unsafe integer'],
    [-(2 ** 60), 'a large negative unsafe integer'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('refuses %s (%s)', (amount) => {
    expect(() => money(amount, 'USD')).toThrow(RangeError);
    expect(() => money(amount, 'USD')).toThrow('money must be an integer of minor units');
  });

  it('accepts the largest safe integer', () => {
    expect(money(Number.MAX_SAFE_INTEGER, 'USD').amount).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('add', () => {
  it('adds amounts of the same currency', () => {
    expect(add(money(1299, 'USD'), money(1, 'USD'))).toEqual(money(1300, 'USD'));
  });

  it('refuses to mix currencies, naming both', () => {
    expect(() => add(money(100, 'USD'), money(100, 'EUR'))).toThrow(RangeError);
    expect(() => add(money(100, 'USD'), money(100, 'EUR'))).toThrow('cannot combine USD with EUR');
  });

  it('refuses a result beyond the safe integer range instead of losing precision', () => {
    expect(() => add(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD'))).toThrow(RangeError);
  });
});

describe('times', () => {
  it.each([
    [1299, 3, 3897],
    [1299, 0, 0],
    [1, 1, 1],
    [250, 100_000, 25_000_000],
  ])('%i × %i = %i', (amount, quantity, expected) => {
    expect(times(money(amount, 'USD'), quantity)).toEqual(money(expected, 'USD'));
  });

  it('keeps the currency', () => {
    expect(times(money(500, 'JPY'), 2).currency).toBe('JPY');
  });

  it.each([1.5, 0.1, Number.NaN, 2 ** 53])('refuses the non-integer or unsafe quantity %s', (quantity) => {
    expect(() => times(money(100, 'USD'), quantity)).toThrow(RangeError);
  });

  it('refuses a product beyond the safe integer range', () => {
    expect(() => times(money(2 ** 40, 'USD'), 2 ** 20)).toThrow(RangeError);
  });
});

describe('sum', () => {
  it('is zero of the given currency for an empty list', () => {
    expect(sum([], EUR)).toEqual(money(0, 'EUR'));
  });

  it('adds every item', () => {
    expect(sum([money(100, 'USD'), money(250, 'USD'), money(-50, 'USD')], USD)).toEqual(money(300, 'USD'));
  });

  it('refuses an item in another currency than the one asked for', () => {
    expect(() => sum([money(100, 'EUR')], USD)).toThrow('cannot combine USD with EUR');
    expect(() => sum([money(100, 'USD'), money(100, 'EUR')], USD)).toThrow(RangeError);
  });

  it('equals the integer sum of the amounts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e12, max: 1e12 }), { maxLength: 200 }), (amounts) => {
        const total = sum(
          amounts.map((a) => money(a, 'USD')),
          USD,
        );
        expect(total).toEqual({ amount: amounts.reduce((acc, a) => acc + a, 0), currency: 'USD' });
      }),
    );
  });

  it('does not depend on the order of the items (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e12, max: 1e12 }), { maxLength: 50 }), (amounts) => {
        const forwards = sum(
          amounts.map((a) => money(a, 'EUR')),
          EUR,
        );
        const backwards = sum(
          [...amounts].reverse().map((a) => money(a, 'EUR')),
          EUR,
        );
        expect(backwards).toEqual(forwards);
      }),
    );
  });
});

describe('minorUnitDigits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['KWD', 3],
  ])('%s has %i digits after the decimal point', (code, digits) => {
    expect(minorUnitDigits(currency(code))).toBe(digits);
  });

  // ISO 4217's minor unit, where CLDR's display digits differ.
  it.each([
    ['HUF', 2],
    ['IQD', 3],
  ])('%s has its ISO 4217 minor unit of %i digits', (code, digits) => {
    expect(minorUnitDigits(currency(code))).toBe(digits);
  });
});

describe('formatMoney', () => {
  it.each([
    [1299, 'USD', '$12.99'],
    [5, 'EUR', '€0.05'],
    [0, 'GBP', '£0.00'],
    [-500, 'USD', '-$5.00'],
    [123_456_789, 'USD', '$1,234,567.89'],
    [1299, 'JPY', '¥1,299'],
  ])('formats %i %s as %s', (amount, code, expected) => {
    expect(formatMoney(money(amount, code))).toBe(expected);
  });

  it('shows three decimals for a three-digit currency', () => {
    expect(formatMoney(money(1299, 'BHD'))).toMatch(/^BHD\s1\.299$/);
  });

  it('formats HUF with its ISO 4217 minor unit (1299 → 12.99)', () => {
    expect(formatMoney(money(1299, 'HUF'))).toMatch(/12\.99/);
  });
});

describe('toDecimalString', () => {
  it('writes the currency own digits, with integer arithmetic', () => {
    expect(toDecimalString(money(1299, 'USD'))).toBe('12.99');
    expect(toDecimalString(money(5, 'USD'))).toBe('0.05');
    expect(toDecimalString(money(-5, 'EUR'))).toBe('-0.05');
    expect(toDecimalString(money(1299, 'JPY'))).toBe('1299');
    expect(toDecimalString(money(1, 'BHD'))).toBe('0.001');
    expect(toDecimalString(money(Number.MAX_SAFE_INTEGER, 'USD'))).toBe('90071992547409.91');
  });
});
