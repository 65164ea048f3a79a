import { describe, expect, it } from 'vitest';
import { numberToMinorUnits } from '../../../domain/decimal.ts';
import { currency } from '../../../domain/money.ts';
import { MAGENTO_AMOUNTS, percentToRate } from './decimal.ts';

const USD = currency('USD');

describe('Magento amounts in minor units', () => {
  it('are read exactly, rounding a four-decimal unit price once and refusing what DECIMAL(20,4) cannot hold', () => {
    expect(numberToMinorUnits(12.99, USD, MAGENTO_AMOUNTS)).toBe(1299);
    expect(numberToMinorUnits(10.835, USD, MAGENTO_AMOUNTS)).toBe(1084);
    expect(() => numberToMinorUnits(1234567890123.457, USD, MAGENTO_AMOUNTS)).toThrow(/significant digits/);
  });

  it('turns a tax percent into a decimal fraction without a float', () => {
    expect(percentToRate(8.25)).toBe('0.0825');
    expect(percentToRate(19)).toBe('0.19');
    expect(percentToRate(7.25)).toBe('0.0725');
    expect(percentToRate(0)).toBe('0');
    expect(percentToRate(100)).toBe('1');
  });
});
