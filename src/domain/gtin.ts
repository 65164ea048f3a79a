/**
 * GTIN-8, UPC-A (12), EAN-13 and GTIN-14: digits only, the last one a mod-10 check digit (weights 3 and 1 from the
 * right, excluding the check digit itself). See GS1 General Specifications §7.9.
 */
export function isValidGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(code)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const total = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (total % 10)) % 10 === check;
}

/** A valid GTIN of any length as its 14-digit form (zeros in front): the key two spellings of one product share. */
export function gtin14(code: string): string {
  return code.padStart(14, '0');
}
