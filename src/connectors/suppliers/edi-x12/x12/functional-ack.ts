import type { SupplierAnswers } from '../../supplier-transport.ts';
import type { SegmentError } from './check.ts';
import { described, ELEMENT_ERRORS, GROUP_ERRORS, SEGMENT_ERRORS, SET_ERRORS } from './codes.ts';
import type { Delimiters, FunctionalGroup, Segment, TransactionSet } from './interchange.ts';
import { el } from './values.ts';

type Receipt = NonNullable<SupplierAnswers['receipts']>[number];

/** What Waybill found of one received transaction set: its own errors (AK3/AK4) and envelope codes (AK502…). */
export interface SetVerdict {
  set: TransactionSet;
  errors: SegmentError[];
  codes: string[];
}

/** What Waybill found of one received group: its sets, its own codes (AK905…), and whether it is taken. */
export interface GroupVerdict {
  group: FunctionalGroup;
  sets: SetVerdict[];
  codes: string[];
  /** False when anything in the file was refused: nothing of it applies, so no set of it is accepted. */
  taken: boolean;
}

/**
 * The 997 transaction set (segments between ST and SE) answering one received group: AK1 names it; an AK2 per set,
 * its AK3/AK4 errors and AK5 (A, or R with its codes); AK9 A or R with the counts and the group's codes. Values are
 * cleaned of the delimiters Waybill writes with (a partner's element may hold them if it writes with others).
 */
export function functionalAck(verdict: GroupVerdict, d: Delimiters): Segment[] {
  const safe = (value: string) =>
    [d.element, d.segment, d.component].some((c) => value.includes(c)) ? '' : value.slice(0, 99);
  const segments: Segment[] = [
    { tag: 'AK1', elements: [safe(verdict.group.functionalId), safe(verdict.group.control)] },
  ];
  let accepted = 0;
  for (const { set, errors, codes } of verdict.sets) {
    segments.push({ tag: 'AK2', elements: [safe(set.id), safe(set.control)] });
    for (const error of errors) {
      segments.push({ tag: 'AK3', elements: [safe(error.tag), String(error.position), '', error.code] });
      for (const e of error.elements)
        segments.push({ tag: 'AK4', elements: [String(e.position), '', e.code, safe(e.copy ?? '')] });
    }
    const setCodes = errors.length > 0 && !codes.includes('5') ? [...codes, '5'] : codes;
    const ok = verdict.taken && setCodes.length === 0;
    if (ok) accepted++;
    segments.push({ tag: 'AK5', elements: [ok ? 'A' : 'R', ...setCodes.slice(0, 5)] });
  }
  const received = verdict.sets.length;
  const included = /^\d{1,6}$/.test(verdict.group.declaredSets ?? '')
    ? verdict.group.declaredSets!
    : String(received);
  const status =
    accepted === received && verdict.taken && verdict.codes.length === 0 ? 'A' : accepted > 0 ? 'P' : 'R';
  segments.push({
    tag: 'AK9',
    elements: [status, included, String(received), String(accepted), ...verdict.codes.slice(0, 5)],
  });
  return segments;
}

/**
 * Reads a received 997: the group of Waybill's it answers (AK102, the control number Waybill gave ISA13 and GS06),
 * whether it was accepted (AK901 A or E), and every error it names, in words.
 */
export function readFunctionalAck(set: TransactionSet): Receipt | undefined {
  const ak1 = set.body.find((s) => s.tag === 'AK1');
  const ak9 = set.body.find((s) => s.tag === 'AK9');
  if (!ak1 || !ak9) return undefined;
  const errors: string[] = [];
  let current = '';
  for (const s of set.body) {
    if (s.tag === 'AK2') current = `${el(s, 1)} ${el(s, 2)}`;
    if (s.tag === 'AK3')
      errors.push(`${current}: segment ${el(s, 1)} at ${el(s, 2)}: ${described(SEGMENT_ERRORS, el(s, 4))}`);
    if (s.tag === 'AK4')
      errors.push(
        `${current}: element ${el(s, 1)}: ${described(ELEMENT_ERRORS, el(s, 3))}${el(s, 4) ? ` ("${el(s, 4)}")` : ''}`,
      );
    if (s.tag === 'AK5')
      for (const code of s.elements.slice(1).filter(Boolean))
        errors.push(`${current}: ${described(SET_ERRORS, code)}`);
    if (s.tag === 'AK9')
      for (const code of s.elements.slice(4).filter(Boolean))
        errors.push(`group: ${described(GROUP_ERRORS, code)}`);
  }
  return { controlNumber: Number(el(ak1, 2)), accepted: ['A', 'E'].includes(el(ak9, 1)), errors };
}
