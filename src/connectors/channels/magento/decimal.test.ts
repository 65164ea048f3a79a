import { describe, expect, it } from 'vitest';
import { currency } from '../../../domain/money.ts';
import { magentoAmountToMinorUnits, percentToRate } from './decimal.ts';

const USD = currency('USD');
const JPY = currency('JPY');
const BHD = currency('BHD');

describe('Magento amounts in minor units', () => {
  it('converts the amounts Magento rounded to the currency exactly, however the double looks', () => {
    expect(magentoAmountToMinorUnits(12.99, USD)).toBe(1299);
    // 0.1 + 0.2 is not 0.3 as a double; Magento's 0.3 arrives as the double nearest 0.3, which is read as 30.
    expect(magentoAmountToMinorUnits(0.3, USD)).toBe(30);
    expect(magentoAmountToMinorUnits(1.005, USD)).toBe(101);
    expect(magentoAmountToMinorUnits(4.35, USD)).toBe(435);
    expect(magentoAmountToMinorUnits(99999999.99, USD)).toBe(9999999999);
    expect(magentoAmountToMinorUnits(-3, USD)).toBe(-300);
    expect(magentoAmountToMinorUnits(1500, JPY)).toBe(1500);
    expect(magentoAmountToMinorUnits(1.234, BHD)).toBe(1234);
  });

  it('rounds a four-decimal unit price half away from zero, once', () => {
    expect(magentoAmountToMinorUnits(10.8333, USD)).toBe(1083);
    expect(magentoAmountToMinorUnits(10.835, USD)).toBe(1084);
    expect(magentoAmountToMinorUnits(-10.835, USD)).toBe(-1084);
    expect(magentoAmountToMinorUnits(0.0001, USD)).toBe(0);
  });

  it('refuses what is not an amount Magento can store', () => {
    expect(() => magentoAmountToMinorUnits(Number.NaN, USD)).toThrow(/not an amount/);
    expect(() => magentoAmountToMinorUnits(1234567890123.457, USD)).toThrow(/significant digits/);
  });

  it('turns a tax percent into a decimal fraction without a float', () => {
    expect(percentToRate(8.25)).toBe('0.0825');
    expect(percentToRate(19)).toBe('0.19');
    expect(percentToRate(7.25)).toBe('0.0725');
    expect(percentToRate(0)).toBe('0');
    expect(percentToRate(100)).toBe('1');
  });
});
