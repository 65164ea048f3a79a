import { describe, expect, it } from 'vitest';
import { currency, money } from '../../../domain/money.ts';
import { decimalToMinor, isWholeMinor, minorToAmount } from './decimal.ts';

const USD = currency('USD');

describe("BigCommerce's money figures", () => {
  it('reads the v2 four-decimal strings exactly, in the currency of the order', () => {
    expect(decimalToMinor('12.3400', USD)).toBe(1234);
    expect(decimalToMinor('0.0000', USD)).toBe(0);
    expect(decimalToMinor('-5.0000', USD)).toBe(-500);
    expect(decimalToMinor('1500.0000', currency('JPY'))).toBe(1500);
    expect(decimalToMinor('1.2340', currency('BHD'))).toBe(1234);
    // A float would make 0.29 × 100 = 28.999999999999996.
    expect(decimalToMinor('0.2900', USD)).toBe(29);
    expect(decimalToMinor('90071992547409.9100', USD)).toBe(9007199254740991);
  });

  it('rounds a figure kept beyond the minor unit half away from zero, once', () => {
    expect(decimalToMinor('41.5750', USD)).toBe(4158);
    expect(decimalToMinor('41.5749', USD)).toBe(4157);
    expect(decimalToMinor('-0.0050', USD)).toBe(-1);
    expect(isWholeMinor('41.5700', USD)).toBe(true);
    expect(isWholeMinor('41.5750', USD)).toBe(false);
  });

  it('reads the v3 JSON numbers from their shortest decimal text', () => {
    expect(decimalToMinor(9.99, USD)).toBe(999);
    expect(decimalToMinor(0.1 + 0.2, USD)).toBe(30);
    expect(decimalToMinor(232.75, USD)).toBe(23275);
    expect(minorToAmount(money(999, 'USD'))).toBe(9.99);
    expect(minorToAmount(money(23275, 'USD'))).toBe(232.75);
  });

  it('refuses what is not a plain decimal, naming it', () => {
    expect(() => decimalToMinor('12,34', USD)).toThrow(/"12,34" is not a decimal amount/);
    expect(() => decimalToMinor(1e21, USD)).toThrow(/not a decimal amount/);
    expect(() => decimalToMinor('99999999999999999.00', USD)).toThrow(/too large/);
  });
});
