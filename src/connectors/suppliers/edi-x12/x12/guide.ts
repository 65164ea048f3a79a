import { ELEMENT_CODES, SEGMENT_CODES, type SetCheck } from './check.ts';
import { isSegmentTag, type PlacedSegment, type TransactionSet } from './interchange.ts';

/**
 * Waybill's implementation guide for what it reads, as data: per segment, the elements it checks (requirement, X12
 * type, length, codes); per transaction set, the segments that must be there. Built from the 004010 standard and
 * the published guides of large retailers and EDI vendors (docs/edi-x12.md lists them). Segments a set may carry
 * that Waybill does not read are passed over, as partners' guides differ in what else they send.
 */
type ElementType = 'AN' | 'ID' | 'N0' | 'N2' | 'R' | 'DT' | 'TM';
interface ElementRule {
  required: boolean;
  type: ElementType;
  min: number;
  max: number;
  codes?: readonly string[];
}

const rule = (
  required: 'M' | 'O',
  type: ElementType,
  min: number,
  max: number,
  codes?: readonly string[],
): ElementRule => ({ required: required === 'M', type, min, max, ...(codes && { codes }) });

// PO numbers are Waybill's (up to ~40 characters), echoed back: longer than 004010's 22 for element 324.
const PO_NUMBER = rule('M', 'AN', 1, 80);

/** ACK01 codes Waybill reads (element 668). */
export const ACK_STATUSES = ['IA', 'IB', 'IR', 'IQ', 'IP', 'DR'] as const;
/** ACK04 qualifiers of the date in ACK05 (element 374): estimated/current/promised delivery or shipment. */
export const ACK_DATE_QUALIFIERS = ['017', '067', '068', '069', '079'] as const;

const RULES: Readonly<Record<string, Readonly<Record<number, ElementRule>>>> = {
  BAK: {
    1: rule('M', 'ID', 2, 2, ['00', '05', '06']),
    2: rule('M', 'ID', 2, 2, ['AC', 'AD', 'AK', 'RD', 'RJ']),
    3: PO_NUMBER,
    4: rule('M', 'DT', 8, 8),
  },
  CUR: { 1: rule('M', 'ID', 2, 3), 2: rule('M', 'ID', 3, 3) },
  PO1: {
    1: rule('M', 'AN', 1, 20),
    2: rule('O', 'R', 1, 15),
    3: rule('O', 'ID', 2, 2),
    4: rule('O', 'R', 1, 17),
    6: rule('O', 'ID', 2, 2),
    7: rule('O', 'AN', 1, 48),
  },
  ACK: {
    1: rule('M', 'ID', 2, 2, ACK_STATUSES),
    2: rule('O', 'R', 1, 15),
    3: rule('O', 'ID', 2, 2),
    4: rule('O', 'ID', 3, 3, ACK_DATE_QUALIFIERS),
    5: rule('O', 'DT', 8, 8),
  },
  CTT: { 1: rule('M', 'N0', 1, 6) },
  BSN: {
    1: rule('M', 'ID', 2, 2, ['00', '05', '06', '07']),
    2: rule('M', 'AN', 2, 30),
    3: rule('M', 'DT', 8, 8),
    4: rule('M', 'TM', 4, 8),
  },
  HL: {
    1: rule('M', 'AN', 1, 12),
    2: rule('O', 'AN', 1, 12),
    3: rule('M', 'ID', 1, 2, ['S', 'O', 'P', 'T', 'I']),
    4: rule('O', 'ID', 1, 1, ['0', '1']),
  },
  PRF: { 1: PO_NUMBER },
  TD5: { 2: rule('O', 'ID', 1, 2), 3: rule('O', 'AN', 2, 80), 5: rule('O', 'AN', 1, 35) },
  REF: { 1: rule('M', 'ID', 2, 3), 2: rule('O', 'AN', 1, 80) },
  MAN: { 1: rule('M', 'ID', 1, 2), 2: rule('M', 'AN', 1, 48) },
  LIN: { 1: rule('O', 'AN', 1, 20), 2: rule('M', 'ID', 2, 2), 3: rule('M', 'AN', 1, 48) },
  SN1: { 2: rule('M', 'R', 1, 10), 3: rule('M', 'ID', 2, 2) },
  DTM: { 1: rule('M', 'ID', 3, 3), 2: rule('O', 'DT', 8, 8), 3: rule('O', 'TM', 4, 8) },
  BIG: { 1: rule('M', 'DT', 8, 8), 2: rule('M', 'AN', 1, 22), 3: rule('O', 'DT', 8, 8), 4: PO_NUMBER },
  IT1: {
    1: rule('M', 'AN', 1, 20),
    2: rule('M', 'R', 1, 10),
    3: rule('M', 'ID', 2, 2),
    4: rule('M', 'R', 1, 17),
    6: rule('O', 'ID', 2, 2),
    7: rule('O', 'AN', 1, 48),
  },
  TDS: { 1: rule('M', 'N2', 1, 15) },
  BIA: {
    1: rule('M', 'ID', 2, 2, ['00', '05', '06', '07']),
    2: rule('M', 'ID', 2, 2),
    3: rule('M', 'AN', 1, 30),
    4: rule('M', 'DT', 8, 8),
  },
  QTY: { 1: rule('M', 'ID', 2, 2), 2: rule('M', 'R', 1, 15) },
  CTP: { 3: rule('M', 'R', 1, 17) },
  AK1: { 1: rule('M', 'ID', 2, 2), 2: rule('M', 'N0', 1, 9) },
  AK2: { 1: rule('M', 'ID', 3, 3), 2: rule('M', 'AN', 4, 9) },
  AK3: { 1: rule('M', 'ID', 2, 3), 2: rule('M', 'N0', 1, 6) },
  AK4: { 1: rule('M', 'AN', 1, 5), 3: rule('M', 'ID', 1, 3) },
  AK5: { 1: rule('M', 'ID', 1, 1, ['A', 'E', 'M', 'R', 'W', 'X']) },
  AK9: {
    1: rule('M', 'ID', 1, 1, ['A', 'E', 'M', 'P', 'R', 'W', 'X']),
    2: rule('M', 'N0', 1, 6),
    3: rule('M', 'N0', 1, 6),
    4: rule('M', 'N0', 1, 6),
  },
};

/** Per transaction set: segments that must be there, and whether once only; `head`: where a missing one belongs. */
const REQUIRED: Readonly<Record<string, readonly { tag: string; once: boolean; head: boolean }[]>> = {
  '855': [{ tag: 'BAK', once: true, head: true }],
  '856': [
    { tag: 'BSN', once: true, head: true },
    { tag: 'HL', once: false, head: true },
  ],
  '810': [
    { tag: 'BIG', once: true, head: true },
    { tag: 'TDS', once: true, head: false },
  ],
  '846': [
    { tag: 'BIA', once: true, head: true },
    { tag: 'LIN', once: false, head: false },
  ],
  '997': [
    { tag: 'AK1', once: true, head: true },
    { tag: 'AK9', once: true, head: false },
  ],
};

/** The functional identifier (GS01) each transaction set Waybill reads travels under. */
export const FUNCTIONAL_IDS: Readonly<Record<string, string>> = {
  '855': 'PR',
  '856': 'SH',
  '810': 'IN',
  '846': 'IB',
  '997': 'FA',
};

/** The set's segments against the guide: tags, required segments, and every element of the segments Waybill reads. */
export function checkSegments(set: TransactionSet, check: SetCheck): void {
  for (const segment of set.body) {
    if (!isSegmentTag(segment.tag)) {
      check.segment(segment.tag, segment.position, SEGMENT_CODES.unrecognized, 'not a segment identifier');
      continue;
    }
    const rules = RULES[segment.tag];
    if (rules) for (const [at, r] of Object.entries(rules)) checkElement(segment, Number(at), r, check);
  }
  for (const { tag, once, head } of REQUIRED[set.id] ?? []) {
    const found = set.body.filter((s) => s.tag === tag);
    if (found.length === 0)
      check.segment(
        tag,
        head ? 2 : set.body.length + 2,
        SEGMENT_CODES.missing,
        `the ${set.id} must have a ${tag} segment`,
      );
    else if (once && found.length > 1)
      check.segment(
        tag,
        found[1]!.position,
        SEGMENT_CODES.tooMany,
        `a ${set.id} has one ${tag} segment only`,
      );
  }
}

function checkElement(segment: PlacedSegment, at: number, r: ElementRule, check: SetCheck): void {
  const value = segment.elements[at - 1] ?? '';
  const name = `${segment.tag}${String(at).padStart(2, '0')}`;
  if (value === '') {
    if (r.required) check.element(segment, at, ELEMENT_CODES.missing, `${name} is required`);
    return;
  }
  const problem = typeProblem(r, value);
  if (problem) check.element(segment, at, problem.code, `${name} ${JSON.stringify(value)} ${problem.text}`);
}

function typeProblem(r: ElementRule, value: string): { code: string; text: string } | null {
  if (r.codes && !r.codes.includes(value))
    return { code: ELEMENT_CODES.invalidCode, text: `is not one of ${r.codes.join(', ')}` };
  if (r.type === 'DT' && !isDate(value))
    return { code: ELEMENT_CODES.invalidDate, text: 'is not a date CCYYMMDD' };
  if (r.type === 'TM' && !isTime(value))
    return { code: ELEMENT_CODES.invalidTime, text: 'is not a time HHMM' };
  if ((r.type === 'N0' || r.type === 'N2') && !/^-?\d+$/.test(value))
    return { code: ELEMENT_CODES.invalidCharacter, text: 'is not a whole number' };
  if (r.type === 'R' && !/^-?(\d+\.?\d*|\.\d+)$/.test(value))
    return { code: ELEMENT_CODES.invalidCharacter, text: 'is not a number' };
  // Numbers count digits only (the sign and the decimal point are not counted).
  const length = r.type === 'AN' || r.type === 'ID' ? value.length : value.replace(/[-.]/g, '').length;
  if (length < r.min) return { code: ELEMENT_CODES.tooShort, text: `is shorter than ${r.min}` };
  if (length > r.max) return { code: ELEMENT_CODES.tooLong, text: `is longer than ${r.max}` };
  return null;
}

function isDate(value: string): boolean {
  if (!/^\d{8}$/.test(value)) return false;
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso);
}

function isTime(value: string): boolean {
  const found = /^(\d\d)(\d\d)(\d\d)?(\d\d)?$/.exec(value);
  return !!found && Number(found[1]) < 24 && Number(found[2]) < 60 && Number(found[3] ?? 0) < 60;
}

/** CCYYMMDD (checked) → YYYY-MM-DD. */
export function isoDate(value: string): string {
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
}
