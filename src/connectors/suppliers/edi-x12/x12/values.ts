import { currency as currencyCode, isCurrencyCode, minorUnitDigits } from '../../../../domain/money.ts';
import { ELEMENT_CODES, type SetCheck } from './check.ts';
import type { PlacedSegment, TransactionSet } from './interchange.ts';

/** Element `n` (1-based) of a segment, '' when absent. */
export function el(segment: PlacedSegment, n: number): string {
  return segment.elements[n - 1] ?? '';
}

/** The product ids of a segment's qualifier/id pairs from element `from` on (PO106/07, LIN02/03…), by qualifier. */
export function productIds(segment: PlacedSegment, from: number): Map<string, string> {
  const ids = new Map<string, string>();
  for (let at = from; at < segment.elements.length; at += 2) {
    const qualifier = el(segment, at);
    const id = el(segment, at + 1);
    if (qualifier && id && !ids.has(qualifier)) ids.set(qualifier, id);
  }
  return ids;
}

/** A whole number (a quantity, a line number) of element `n`, or undefined with the error reported. */
export function wholeNumber(
  check: SetCheck,
  segment: PlacedSegment,
  n: number,
  what: string,
  { min = 0 } = {},
): number | undefined {
  const value = el(segment, n);
  const name = `${segment.tag}${String(n).padStart(2, '0')}`;
  if (value === '') {
    check.element(segment, n, ELEMENT_CODES.conditionalMissing, `${name} (${what}) is required`);
    return undefined;
  }
  // X12's R type may write a whole number as 2 or 2.0.
  const found = /^(\d+)(\.0*)?$/.exec(value);
  const number = found ? Number(found[1]) : NaN;
  if (!Number.isSafeInteger(number) || number < min) {
    check.element(
      segment,
      n,
      ELEMENT_CODES.invalidCharacter,
      `${name} ${JSON.stringify(value)} is not a whole number${min > 0 ? ` of at least ${min}` : ''} (${what})`,
    );
    return undefined;
  }
  return number;
}

/**
 * A decimal amount (X12 type R: "4.5", ".75") in minor units of `currency`, rounded half away from zero to the
 * currency's digits (unit prices may carry more). Exact decimal arithmetic on the digits: no float holds the value.
 */
export function minorUnits(value: string, currency: string): number {
  const found = /^(-?)(\d*)\.?(\d*)$/.exec(value);
  if (!found) throw new RangeError(`not a decimal: ${value}`);
  const [, sign, whole = '', fraction = ''] = found;
  const digits = minorUnitDigits(currencyCode(currency));
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  let units = Number(`${whole || '0'}${kept}`);
  if ((fraction[digits] ?? '0') >= '5') units += 1;
  return sign === '-' && units !== 0 ? -units : units;
}

/** The set's currency: its CUR segment's (CUR02), or the partner's default. */
export function setCurrency(set: TransactionSet, check: SetCheck, fallback: string): string {
  const cur = set.body.find((s) => s.tag === 'CUR');
  if (!cur) return fallback;
  const code = el(cur, 2);
  if (!isCurrencyCode(code)) {
    check.element(
      cur,
      2,
      ELEMENT_CODES.invalidCode,
      `CUR02 ${JSON.stringify(code)} is not an ISO 4217 currency`,
    );
    return fallback;
  }
  return code;
}
