import { describe, expect, it } from 'vitest';
import { wooDecimalToMinorUnits } from './decimal.ts';

describe('wooDecimalToMinorUnits', () => {
  it('reads a figure in the currency’s own digits exactly', () => {
    expect(wooDecimalToMinorUnits('12.99', 'USD')).toBe(1299);
    expect(wooDecimalToMinorUnits('12.9', 'USD')).toBe(1290);
    expect(wooDecimalToMinorUnits('12', 'USD')).toBe(1200);
    expect(wooDecimalToMinorUnits('0.00', 'USD')).toBe(0);
    expect(wooDecimalToMinorUnits('1500', 'JPY')).toBe(1500);
    expect(wooDecimalToMinorUnits('1.234', 'BHD')).toBe(1234);
  });

  it('rounds more decimals than the currency has half away from zero, as wc_format_decimal does', () => {
    expect(wooDecimalToMinorUnits('8.3333', 'USD')).toBe(833);
    expect(wooDecimalToMinorUnits('8.335', 'USD')).toBe(834);
    expect(wooDecimalToMinorUnits('8.3349999', 'USD')).toBe(833);
    // A float would make this 1.00 (1.005 is 1.00499… in binary); PHP pre-rounds to 1.01, and so does the text.
    expect(wooDecimalToMinorUnits('1.005', 'USD')).toBe(101);
    expect(wooDecimalToMinorUnits('0.995', 'USD')).toBe(100);
    expect(wooDecimalToMinorUnits('1499.5', 'JPY')).toBe(1500);
    expect(wooDecimalToMinorUnits('1499.49', 'JPY')).toBe(1499);
    expect(wooDecimalToMinorUnits('-3.005', 'USD')).toBe(-301);
    expect(wooDecimalToMinorUnits('-3.00', 'USD')).toBe(-300);
    expect(wooDecimalToMinorUnits('-0.001', 'USD')).toBe(0);
  });

  it('keeps every digit of a large figure (no float on the way)', () => {
    expect(wooDecimalToMinorUnits('90071992547409.91', 'USD')).toBe(9_007_199_254_740_991);
    expect(() => wooDecimalToMinorUnits('90071992547409.92', 'USD')).toThrow(/too large for USD/);
  });

  it('refuses what is not a decimal string, naming it', () => {
    for (const bad of ['', '1,50', '1.', '.5', '1e3', 'NaN', '12.99 USD', '+1']) {
      expect(() => wooDecimalToMinorUnits(bad, 'USD')).toThrow(
        `${JSON.stringify(bad)} is not a decimal string`,
      );
    }
    expect(() => wooDecimalToMinorUnits('1.00', 'XXY')).toThrow(/ISO 4217/);
  });
});
