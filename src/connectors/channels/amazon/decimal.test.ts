import { describe, expect, it } from 'vitest';
import { amazonAmountToMinor } from './decimal.ts';

describe("Amazon's Money amounts in minor units", () => {
  it.each([
    ['12.99', 'USD', 1299],
    ['12.9', 'USD', 1290],
    ['30.0', 'USD', 3000],
    ['0.02', 'USD', 2],
    ['-3.00', 'EUR', -300],
    ['1500', 'JPY', 1500],
    ['1500.00', 'JPY', 1500],
    ['1.234', 'BHD', 1234],
    ['90071992547409.91', 'USD', 9007199254740991],
  ])('%s %s is %d', (text, code, units) => {
    expect(amazonAmountToMinor(text, code, 'f')).toBe(units);
  });

  it('refuses a digit below the minor unit, and what is not a decimal, naming the field', () => {
    expect(() => amazonAmountToMinor('12.345', 'USD', 'orderItems[0].x')).toThrow(
      /^orderItems\[0\]\.x: 12\.345 has more decimals than USD's 2/,
    );
    expect(() => amazonAmountToMinor('1500.5', 'JPY', 'f')).toThrow(/JPY's 0/);
    expect(() => amazonAmountToMinor('1e3', 'USD', 'f')).toThrow(/not a decimal amount/);
    expect(() => amazonAmountToMinor('90071992547409.92', 'USD', 'f')).toThrow(/too large/);
  });
});
