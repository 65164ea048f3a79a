import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidGtin } from './gtin.ts';

describe('isValidGtin', () => {
  it.each([
    ['96385074', 'GTIN-8'],
    ['036000291452', 'UPC-A (GTIN-12)'],
    ['4006381333931', 'EAN-13'],
    ['00012345678905', 'GTIN-14'],
    ['00000000', 'GTIN-8 of zeros (check digit 0)'],
  ])('accepts %s (%s)', (code) => {
    expect(isValidGtin(code)).toBe(true);
  });

  it.each([
    ['96385075', 'GTIN-8'],
    ['036000291453', 'UPC-A'],
    ['4006381333932', 'EAN-13'],
    ['4006381333930', 'EAN-13'],
    ['00012345678904', 'GTIN-14'],
  ])('rejects %s: a %s with the wrong check digit', (code) => {
    expect(isValidGtin(code)).toBe(false);
  });

  it.each([
    ['', 'empty'],
    ['9638507', '7 digits'],
    ['963850745', '9 digits'],
    ['0360002914', '10 digits'],
    ['03600029145', '11 digits'],
    ['000123456789050', '15 digits'],
  ])('rejects %j (%s)', (code) => {
    expect(isValidGtin(code)).toBe(false);
  });

  it.each([
    ['400638133393A', 'a letter'],
    ['4OO6381333931', 'letter O for zero'],
    [' 4006381333931', 'a leading space'],
    ['4006381333931 ', 'a trailing space'],
    ['4006381333931\n', 'a trailing newline'],
    ['4006-381333931', 'a dash'],
    ['+4006381333931', 'a sign'],
    ['٤٠٠٦٣٨١٣٣٣٩٣١', 'Arabic-Indic digits'],
  ])('rejects %j (%s)', (code) => {
    expect(isValidGtin(code)).toBe(false);
  });

  const payload = fc
    .constantFrom(7, 11, 12, 13)
    .chain((n) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }));

  it('accepts exactly one check digit for any payload of a valid length (property)', () => {
    fc.assert(
      fc.property(payload, (digits) => {
        const valid = [...'0123456789'].filter((check) => isValidGtin(digits.join('') + check));
        expect(valid).toHaveLength(1);
      }),
    );
  });

  it('detects every single-digit error (property)', () => {
    fc.assert(
      fc.property(payload, fc.nat(), fc.integer({ min: 1, max: 9 }), (digits, at, shift) => {
        const check = [...'0123456789'].find((c) => isValidGtin(digits.join('') + c))!;
        const code = [...digits.map(String), check];
        const i = at % code.length;
        code[i] = String((Number(code[i]) + shift) % 10);
        expect(isValidGtin(code.join(''))).toBe(false);
      }),
    );
  });

  it('keeps a GTIN valid when left-padded with zeros to 14 digits', () => {
    for (const code of ['96385074', '036000291452', '4006381333931'])
      expect(isValidGtin(code.padStart(14, '0'))).toBe(true);
  });
});
