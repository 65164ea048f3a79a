import type { PlacedSegment } from './interchange.ts';

/** An element in error, as AK4 reports it: its position, the AK403 code, and a copy of what was there. */
export interface ElementError {
  position: number;
  code: string;
  copy?: string | undefined;
}

/** A segment in error, as AK3 reports it: its tag, its position in the set, the AK304 code, its elements in error. */
export interface SegmentError {
  tag: string;
  position: number;
  code: string;
  elements: ElementError[];
}

/** AK304: what was wrong with a segment. */
export const SEGMENT_CODES = {
  unrecognized: '1',
  unexpected: '2',
  missing: '3',
  tooMany: '5',
  elementErrors: '8',
} as const;

/** AK403: what was wrong with an element. */
export const ELEMENT_CODES = {
  missing: '1',
  conditionalMissing: '2',
  tooShort: '4',
  tooLong: '5',
  invalidCharacter: '6',
  invalidCode: '7',
  invalidDate: '8',
  invalidTime: '9',
} as const;

/**
 * The errors found in one transaction set, in the 997's terms and in an operator's words. Readers report through it
 * as they read, so what a 997 says and what the operator reads come from the same finding.
 *
 * @example
 * const check = new SetCheck('855', '0001');
 * check.element(ack, 1, ELEMENT_CODES.invalidCode, 'ACK01 "XX" is not a status Waybill reads');
 * check.ok; // false
 */
export class SetCheck {
  readonly errors: SegmentError[] = [];
  readonly texts: string[] = [];

  constructor(
    readonly setId: string,
    readonly control: string,
  ) {}

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** An element of `segment` in error (AK3 code 8 with an AK4). */
  element(segment: PlacedSegment, position: number, code: string, text: string): void {
    let entry = this.errors.find(
      (e) => e.position === segment.position && e.code === SEGMENT_CODES.elementErrors,
    );
    if (!entry) {
      entry = {
        tag: segment.tag,
        position: segment.position,
        code: SEGMENT_CODES.elementErrors,
        elements: [],
      };
      this.errors.push(entry);
    }
    const copy = segment.elements[position - 1];
    entry.elements.push({ position, code, ...(copy ? { copy } : {}) });
    this.texts.push(`segment ${segment.position} ${segment.tag}: ${text}`);
  }

  /** A segment in error as a whole (unexpected, missing, used too often). */
  segment(tag: string, position: number, code: string, text: string): void {
    this.errors.push({ tag, position, code, elements: [] });
    this.texts.push(`segment ${position} ${tag}: ${text}`);
  }
}
