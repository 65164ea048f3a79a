/**
 * A tests-only X12 004010 grammar checker: segment order, loops, minimum and maximum use, and each element's
 * presence, type and length. The facts (not the code) come from the open-source bots-edi grammars for 004010
 * (https://github.com/bots-edi/bots-grammars, x12/4010: 810, 850, 855, 856, 860, 997 and records004010), which follow the
 * published standard. Only the segments this project's documents use are listed, in their standard order; a
 * segment the subset does not know is reported as such.
 */
import { readInterchange, type Segment } from '../../sim/x12.ts';

/** An element: required or not, its X12 type, and its length (digits only, for numbers). */
interface ElementRule {
  required: boolean;
  type: 'AN' | 'R' | 'N2' | 'DT' | 'TM';
  min: number;
  max: number;
}

const M = (type: ElementRule['type'], min: number, max = min): ElementRule => ({
  required: true,
  type,
  min,
  max,
});
const C = (type: ElementRule['type'], min: number, max = min): ElementRule => ({
  required: false,
  type,
  min,
  max,
});
/** A qualifier/id pair (PO106/PO107 …), repeated `times`. */
const pairs = (times: number): ElementRule[] =>
  Array.from({ length: times }, () => [C('AN', 2, 2), C('AN', 1, 48)]).flat();

/** Elements by segment (records004010). */
export const SEGMENTS: Record<string, ElementRule[]> = {
  ISA: [
    M('AN', 2),
    M('AN', 10),
    M('AN', 2),
    M('AN', 10),
    M('AN', 2),
    M('AN', 15),
    M('AN', 2),
    M('AN', 15),
    M('DT', 6),
    M('TM', 4),
    M('AN', 1),
    M('AN', 5),
    M('R', 9),
    M('AN', 1),
    M('AN', 1),
    M('AN', 1),
  ],
  GS: [
    M('AN', 2),
    M('AN', 2, 15),
    M('AN', 2, 15),
    M('DT', 8),
    M('TM', 4, 8),
    M('R', 1, 9),
    M('AN', 1, 2),
    M('AN', 1, 12),
  ],
  GE: [M('R', 1, 6), M('R', 1, 9)],
  IEA: [M('R', 1, 5), M('R', 9)],
  ST: [M('AN', 3), M('AN', 4, 9)],
  SE: [M('R', 1, 10), M('AN', 4, 9)],
  // 850 and 860 (Waybill's)
  BEG: [
    M('AN', 2),
    M('AN', 2),
    M('AN', 1, 22),
    C('AN', 1, 30),
    M('DT', 8),
    C('AN', 1, 30),
    C('AN', 2),
    C('AN', 3),
    C('AN', 2),
    C('AN', 2),
    C('AN', 2),
    C('AN', 2),
  ],
  BCH: [
    M('AN', 2),
    M('AN', 2),
    M('AN', 1, 22),
    C('AN', 1, 30),
    C('AN', 1, 8),
    M('DT', 8),
    C('AN', 1, 45),
    C('AN', 1, 30),
    C('AN', 1, 30),
    C('DT', 8),
    C('DT', 8),
    C('AN', 2),
    C('AN', 2),
    C('AN', 2),
    C('AN', 2),
    C('AN', 2),
  ],
  N2: [M('AN', 1, 60), C('AN', 1, 60)],
  N3: [M('AN', 1, 55), C('AN', 1, 55)],
  N4: [C('AN', 2, 30), C('AN', 2), C('AN', 3, 15), C('AN', 2, 3), C('AN', 1, 2), C('AN', 1, 30)],
  PER: [
    M('AN', 2),
    C('AN', 1, 60),
    C('AN', 2),
    C('AN', 1, 80),
    C('AN', 2),
    C('AN', 1, 80),
    C('AN', 2),
    C('AN', 1, 80),
    C('AN', 1, 20),
  ],
  N9: [M('AN', 2, 3), C('AN', 1, 30), C('AN', 1, 45), C('DT', 8), C('TM', 4, 8), C('AN', 2)],
  MSG: [M('AN', 1, 264), C('AN', 2), C('R', 1, 9)],
  POC: [
    C('AN', 1, 20),
    M('AN', 2),
    C('R', 1, 15),
    C('R', 1, 9),
    C('AN', 2),
    C('R', 1, 17),
    C('AN', 2),
    ...pairs(10),
  ],
  AMT: [M('AN', 1, 3), M('R', 1, 18), C('AN', 1)],
  // 855
  BAK: [
    M('AN', 2),
    M('AN', 2),
    M('AN', 1, 22),
    M('DT', 8),
    C('AN', 1, 30),
    C('AN', 1, 45),
    C('AN', 1, 30),
    C('AN', 1, 30),
    C('DT', 8),
    C('AN', 2),
  ],
  CUR: [M('AN', 2, 3), M('AN', 3), C('R', 4, 10)],
  PO1: [C('AN', 1, 20), C('R', 1, 15), C('AN', 2), C('R', 1, 17), C('AN', 2), ...pairs(10)],
  ACK: [M('AN', 2), C('R', 1, 15), C('AN', 2), C('AN', 3), C('DT', 8), C('AN', 1, 45), ...pairs(10)],
  CTT: [M('R', 1, 6), C('R', 1, 10), C('R', 1, 10), C('AN', 2), C('R', 1, 8), C('AN', 2), C('AN', 1, 80)],
  // 856
  BSN: [M('AN', 2), M('AN', 2, 30), M('DT', 8), M('TM', 4, 8), C('AN', 4), C('AN', 2), C('AN', 3)],
  DTM: [M('AN', 3), C('DT', 8), C('TM', 4, 8), C('AN', 2), C('AN', 2, 3), C('AN', 1, 35)],
  HL: [M('AN', 1, 12), C('AN', 1, 12), M('AN', 1, 2), C('AN', 1)],
  TD1: [
    C('AN', 3, 5),
    C('R', 1, 7),
    C('AN', 1),
    C('AN', 1, 30),
    C('AN', 1, 50),
    C('AN', 1, 2),
    C('R', 1, 10),
    C('AN', 2),
    C('R', 1, 8),
    C('AN', 2),
  ],
  TD5: [
    C('AN', 1, 2),
    C('AN', 1, 2),
    C('AN', 2, 80),
    C('AN', 1, 2),
    C('AN', 1, 35),
    C('AN', 2),
    C('AN', 1, 2),
    C('AN', 1, 30),
  ],
  N1: [M('AN', 2, 3), C('AN', 1, 60), C('AN', 1, 2), C('AN', 2, 80), C('AN', 2), C('AN', 2, 3)],
  PRF: [
    M('AN', 1, 22),
    C('AN', 1, 30),
    C('AN', 1, 8),
    C('DT', 8),
    C('AN', 1, 20),
    C('AN', 1, 30),
    C('AN', 2),
  ],
  MAN: [M('AN', 1, 2), M('AN', 1, 48), C('AN', 1, 48), C('AN', 1, 2), C('AN', 1, 48), C('AN', 1, 48)],
  REF: [M('AN', 2, 3), C('AN', 1, 30), C('AN', 1, 80)],
  LIN: [C('AN', 1, 20), M('AN', 2), M('AN', 1, 48), ...pairs(14)],
  SN1: [
    C('AN', 1, 20),
    M('R', 1, 10),
    M('AN', 2),
    C('R', 1, 15),
    C('R', 1, 15),
    C('AN', 2),
    C('AN', 1, 2),
    C('AN', 2),
  ],
  // 810
  BIG: [
    M('DT', 8),
    M('AN', 1, 22),
    C('DT', 8),
    C('AN', 1, 22),
    C('AN', 1, 30),
    C('AN', 1, 8),
    C('AN', 2),
    C('AN', 2),
    C('AN', 1, 2),
    C('AN', 1, 22),
  ],
  IT1: [C('AN', 1, 20), C('R', 1, 10), C('AN', 2), C('R', 1, 17), C('AN', 2), ...pairs(10)],
  // TDS01–04: amounts, type N2, 1 to 15 digits (TDS01 mandatory).
  TDS: [M('N2', 1, 15), C('N2', 1, 15), C('N2', 1, 15), C('N2', 1, 15)],
  // 997
  AK1: [M('AN', 2), M('R', 1, 9)],
  AK2: [M('AN', 3), M('AN', 4, 9)],
  AK3: [M('AN', 2, 3), M('R', 1, 6), C('AN', 1, 6), C('AN', 1, 3)],
  AK4: [M('AN', 1, 5), C('R', 1, 4), M('AN', 1, 3), C('AN', 1, 99)],
  AK5: [M('AN', 1), C('AN', 1, 3), C('AN', 1, 3), C('AN', 1, 3), C('AN', 1, 3), C('AN', 1, 3)],
  AK9: [
    M('AN', 1),
    M('R', 1, 6),
    M('R', 1, 6),
    M('R', 1, 6),
    C('AN', 1, 3),
    C('AN', 1, 3),
    C('AN', 1, 3),
    C('AN', 1, 3),
    C('AN', 1, 3),
  ],
};

/** A segment's place in a transaction set: how often it may occur, and the loop it opens. */
interface Place {
  id: string;
  min: number;
  max: number;
  loop?: Place[];
}

const p = (id: string, min: number, max: number, loop?: Place[]): Place => ({
  id,
  min,
  max,
  ...(loop && { loop }),
});

/** Transaction sets (bots x12/4010 structures, the subset of segments this project uses), between ST and SE. */
export const TRANSACTION_SETS: Record<string, Place[]> = {
  '850': [
    p('BEG', 1, 1),
    p('CUR', 0, 1),
    p('REF', 0, 99999),
    p('PER', 0, 3),
    p('DTM', 0, 10),
    p('N9', 0, 1000, [p('DTM', 0, 99999), p('MSG', 0, 1000)]),
    p('N1', 0, 200, [p('N2', 0, 2), p('N3', 0, 2), p('N4', 0, 99999), p('REF', 0, 12), p('PER', 0, 99999)]),
    p('PO1', 1, 100000, [
      p('CUR', 0, 1),
      p('REF', 0, 99999),
      p('PER', 0, 3),
      p('DTM', 0, 10),
      p('MSG', 0, 99999),
    ]),
    p('CTT', 0, 1, [p('AMT', 0, 1)]),
  ],
  '860': [
    p('BCH', 1, 1),
    p('CUR', 0, 1),
    p('REF', 0, 99999),
    p('PER', 0, 3),
    p('DTM', 0, 10),
    p('N9', 0, 1000, [p('DTM', 0, 99999), p('MSG', 0, 1000)]),
    p('N1', 0, 200, [p('N2', 0, 2), p('N3', 0, 2), p('N4', 0, 99999), p('REF', 0, 12), p('PER', 0, 99999)]),
    p('POC', 0, 99999, [p('REF', 0, 99999), p('DTM', 0, 10), p('MSG', 0, 99999)]),
    p('CTT', 0, 1, [p('AMT', 0, 5)]),
  ],
  '855': [
    p('BAK', 1, 1),
    p('CUR', 0, 1),
    p('REF', 0, 99999),
    p('DTM', 0, 10),
    p('N1', 0, 200, [p('REF', 0, 12)]),
    p('PO1', 0, 100000, [
      p('CUR', 0, 1),
      p('REF', 0, 99999),
      p('DTM', 0, 10),
      p('ACK', 0, 104, [p('DTM', 0, 1)]),
    ]),
    p('CTT', 0, 1),
  ],
  '856': [
    p('BSN', 1, 1),
    p('DTM', 0, 10),
    p('HL', 1, 200000, [
      p('LIN', 0, 1),
      p('SN1', 0, 1),
      p('PRF', 0, 1),
      p('TD1', 0, 20),
      p('TD5', 0, 12),
      p('REF', 0, 99999),
      p('MAN', 0, 99999),
      p('DTM', 0, 10),
      p('N1', 0, 200, [p('REF', 0, 12)]),
    ]),
    p('CTT', 0, 1),
  ],
  '810': [
    p('BIG', 1, 1),
    p('CUR', 0, 1),
    p('REF', 0, 12),
    p('N1', 0, 200, [p('REF', 0, 12)]),
    p('DTM', 0, 10),
    p('IT1', 0, 200000, [p('CUR', 0, 1), p('REF', 0, 99999), p('DTM', 0, 10)]),
    p('TDS', 1, 1),
    p('CTT', 0, 1),
  ],
  '997': [
    p('AK1', 1, 1),
    p('AK2', 0, 999999, [p('AK3', 0, 999999, [p('AK4', 0, 99)]), p('AK5', 1, 1)]),
    p('AK9', 1, 1),
  ],
};

export interface GrammarOptions {
  /**
   * Elements allowed past their standard maximum length, as a trading partner's guide may agree: Waybill's guide
   * (docs/edi-x12.md) asks partners to take its PO numbers whole, longer than element 324's 22 characters.
   */
  longerAllowed?: readonly string[];
}

/**
 * Every grammar fault of an interchange's text, in words (empty: it passes).
 *
 * @example
 * expect(checkX12(readFileSync('out/856.PO-1.000000003.x12', 'latin1'))).toEqual([]);
 */
export function checkX12(text: string, options: GrammarOptions = {}): string[] {
  const read = readInterchange(text);
  if (!read) return ['not X12: no ISA'];
  const faults = [...read.problems];
  const isaLength = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .indexOf(read.delimiters.segment);
  if (isaLength !== 105) faults.push(`ISA is ${isaLength + 1} characters, not 106`);
  faults.push(...checkElements(read.isa, 'ISA', options));
  if (read.iea) faults.push(...checkElements(read.iea, 'IEA', options));
  for (const group of read.groups) {
    faults.push(...checkElements(group.gs, 'GS', options));
    if (group.ge) faults.push(...checkElements(group.ge, 'GE', options));
    else faults.push(`group ${group.gs[6]}: no GE`);
    for (const set of group.sets) {
      const where = `${set.st[1]} ${set.st[2]}`;
      const places = TRANSACTION_SETS[set.st[1] ?? ''];
      if (!places) {
        faults.push(`${where}: no grammar for transaction set ${set.st[1]}`);
        continue;
      }
      if (!set.se) faults.push(`${where}: no SE`);
      else if (Number(set.se[1]) !== set.body.length + 2)
        faults.push(`${where}: SE01 ${set.se[1]} is not ${set.body.length + 2}`);
      const segments = [set.st, ...set.body, ...(set.se ? [set.se] : [])];
      segments.forEach((segment, i) =>
        faults.push(...checkElements(segment, `${where} segment ${i + 1}`, options)),
      );
      const walk = { at: 0, faults: [] as string[] };
      matchLoop(places, set.body, walk, where);
      if (walk.at < set.body.length)
        walk.faults.push(
          `${where}: segment ${walk.at + 2} ${set.body[walk.at]![0]} unexpected here (not in this grammar's order)`,
        );
      faults.push(...walk.faults);
    }
  }
  return faults;
}

/** Matches `places` in order from `walk.at`, each as often as it comes (up to its maximum), entering its loop. */
function matchLoop(
  places: Place[],
  body: Segment[],
  walk: { at: number; faults: string[] },
  where: string,
): void {
  for (const place of places) {
    let count = 0;
    while (walk.at < body.length && body[walk.at]![0] === place.id) {
      if (++count > place.max) walk.faults.push(`${where}: ${place.id} more than ${place.max} times`);
      walk.at++;
      if (place.loop) matchLoop(place.loop, body, walk, where);
    }
    if (count < place.min)
      walk.faults.push(`${where}: mandatory ${place.id} missing before segment ${walk.at + 2}`);
  }
}

function checkElements(segment: Segment, where: string, options: GrammarOptions): string[] {
  const id = segment[0] ?? '';
  const rules = SEGMENTS[id];
  if (!rules) return [`${where}: segment ${id} is not in this grammar`];
  const faults: string[] = [];
  const values = segment.slice(1);
  if (values.length > rules.length)
    faults.push(`${where}: ${id} has ${values.length} elements, at most ${rules.length}`);
  rules.forEach((rule, i) => {
    const name = `${id}${String(i + 1).padStart(2, '0')}`;
    const value = values[i] ?? '';
    if (value === '') {
      if (rule.required) faults.push(`${where}: ${name} is mandatory`);
      return;
    }
    const problem =
      typeProblem(rule, value) ?? lengthProblem(rule, value, options.longerAllowed?.includes(name));
    if (problem) faults.push(`${where}: ${name} "${value}" ${problem}`);
  });
  return faults;
}

function typeProblem(rule: ElementRule, value: string): string | undefined {
  switch (rule.type) {
    case 'R':
      return /^-?(\d+(\.\d*)?|\.\d+)$/.test(value) ? undefined : 'is not a decimal number (R)';
    case 'N2':
      return /^-?\d+$/.test(value) ? undefined : 'is not a number with two implied decimals (N2)';
    case 'DT':
      return validDate(value) ? undefined : 'is not a date (DT)';
    case 'TM':
      return /^([01]\d|2[0-3])[0-5]\d([0-5]\d\d*)?$/.test(value) ? undefined : 'is not a time (TM)';
    default:
      // AN: printable characters (the basic and extended character sets), no control characters.
      return /^[\x20-\x7e\u00a0-\u00ff]+$/.test(value)
        ? undefined
        : 'holds characters outside the character set';
  }
}

/** Numbers count digits only (no sign, no decimal point), as the standard measures them. */
function lengthProblem(rule: ElementRule, value: string, longerAllowed = false): string | undefined {
  const length = rule.type === 'R' || rule.type === 'N2' ? value.replace(/[-.]/g, '').length : value.length;
  if (length < rule.min) return `is shorter than ${rule.min}`;
  if (length > rule.max && !longerAllowed) return `is longer than ${rule.max}`;
  return undefined;
}

function validDate(value: string): boolean {
  const full = value.length === 6 ? `20${value}` : value;
  if (!/^\d{8}$/.test(full)) return false;
  const date = new Date(`${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10).replaceAll('-', '') === full;
}
