import { currency as currencyCode, minorUnitDigits } from '../../../../domain/money.ts';
import type { SupplierAnswers, SupplierInvoice } from '../../supplier-transport.ts';
import { ELEMENT_CODES, SEGMENT_CODES, type SetCheck } from './check.ts';
import { isoDate } from './guide.ts';
import type { PlacedSegment, TransactionSet } from './interchange.ts';
import { el, minorUnits, productIds, setCurrency, wholeNumber } from './values.ts';

type Stock = NonNullable<SupplierAnswers['inventory']>[number];

/**
 * Reads an 810 (invoice): BIG01 its date, BIG02 its number, BIG04 the PO number; per IT1 line: IT101 the PO line
 * number, IT102 the quantity, IT104 the unit price, VP the vendor's part number; TDS01 the total (two implied
 * decimals, as X12's N2 type writes amounts) in the currency of CUR02, or the partner's.
 */
export function readInvoice(
  set: TransactionSet,
  check: SetCheck,
  fallbackCurrency: string,
): SupplierInvoice | undefined {
  const big = set.body.find((s) => s.tag === 'BIG');
  const tds = set.body.find((s) => s.tag === 'TDS');
  if (!big || !tds) return undefined;
  const currency = setCurrency(set, check, fallbackCurrency);
  const lines: SupplierInvoice['lines'] = [];
  for (const it1 of set.body.filter((s) => s.tag === 'IT1')) {
    const lineNumber = wholeNumber(check, it1, 1, "the PO's line number", { min: 1 });
    const quantity = wholeNumber(check, it1, 2, 'the quantity invoiced');
    const supplierSku = vendorPart(it1, 6, check);
    if (lineNumber === undefined || quantity === undefined || supplierSku === undefined) continue;
    lines.push({ lineNumber, supplierSku, quantity, unitCost: minorUnits(el(it1, 4), currency) });
  }
  const total = impliedCents(tds, 1, currency, check);
  if (total === undefined) return undefined;
  return {
    invoiceNumber: el(big, 2),
    poNumber: el(big, 4),
    invoicedOn: isoDate(el(big, 1)),
    currency,
    total,
    lines,
  };
}

/**
 * Reads an 846 (inventory advice): per LIN loop, the vendor's part number (VP), the quantity available (QTY 33, or
 * on hand, QTY 17) and the unit price of a CTP, if any.
 */
export function readInventory(set: TransactionSet, check: SetCheck, fallbackCurrency: string): Stock[] {
  const currency = setCurrency(set, check, fallbackCurrency);
  const loops: { lin: PlacedSegment; rest: PlacedSegment[] }[] = [];
  for (const segment of set.body) {
    if (segment.tag === 'LIN') loops.push({ lin: segment, rest: [] });
    else loops.at(-1)?.rest.push(segment);
  }
  const stock: Stock[] = [];
  for (const { lin, rest } of loops) {
    const supplierSku = vendorPart(lin, 2, check);
    const qty =
      rest.find((s) => s.tag === 'QTY' && el(s, 1) === '33') ??
      rest.find((s) => s.tag === 'QTY' && el(s, 1) === '17');
    if (!qty) {
      check.segment(
        'QTY',
        lin.position,
        SEGMENT_CODES.missing,
        'a LIN needs a QTY 33 (available) or QTY 17 (on hand)',
      );
      continue;
    }
    const quantity = wholeNumber(check, qty, 2, 'the quantity available');
    const ctp = rest.find((s) => s.tag === 'CTP');
    if (supplierSku === undefined || quantity === undefined) continue;
    stock.push({
      supplierSku,
      quantity,
      ...(ctp && { unitCost: minorUnits(el(ctp, 3), currency) }),
    });
  }
  return stock;
}

/** The VP (vendor's part number) among a segment's qualifier/id pairs from element `from`. */
function vendorPart(segment: PlacedSegment, from: number, check: SetCheck): string | undefined {
  const part = productIds(segment, from).get('VP');
  if (part === undefined)
    check.element(
      segment,
      from,
      ELEMENT_CODES.conditionalMissing,
      `${segment.tag} needs the vendor's part number (qualifier VP)`,
    );
  return part;
}

/** An N2 amount (hundredths, no decimal point) in minor units of the currency; exact, or an error. */
function impliedCents(
  segment: PlacedSegment,
  n: number,
  currency: string,
  check: SetCheck,
): number | undefined {
  const cents = BigInt(el(segment, n));
  const digits = minorUnitDigits(currencyCode(currency));
  const scale = 10n ** BigInt(Math.abs(digits - 2));
  if (digits < 2 && cents % scale !== 0n) {
    check.element(
      segment,
      n,
      ELEMENT_CODES.invalidCharacter,
      `${segment.tag}0${n} ${el(segment, n)} has fractions of ${currency}'s smallest unit`,
    );
    return undefined;
  }
  return Number(digits >= 2 ? cents * scale : cents / scale);
}
