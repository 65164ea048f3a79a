import x12 from 'node-x12';
import { PermanentError } from '../../../../domain/permanent-error.ts';
import type { Delimiters, Segment } from './interchange.ts';

const { JSEDINotation, X12Generator } = x12;

/** One side of an interchange: its ISA qualifier and id (ISA05/06 or ISA07/08) and its GS application code. */
export interface Party {
  qualifier: string;
  id: string;
  application: string;
}

/**
 * The envelope settings agreed with one trading partner.
 *
 * @example
 * const partners: Partners = {
 *   us: { qualifier: 'ZZ', id: 'WAYBILL', application: 'WAYBILL' },
 *   them: { qualifier: '01', id: '123456789', application: 'ACME' },
 *   usage: 'P', ackRequested: false, delimiters: { element: '*', segment: '~', component: '>' }, newline: false,
 * };
 */
export interface Partners {
  /** Waybill, the sender of what it writes and the receiver of what it reads. */
  us: Party;
  them: Party;
  /** ISA15: production or test data. */
  usage: 'P' | 'T';
  /** ISA14: whether Waybill asks for an interchange acknowledgement (TA1). */
  ackRequested: boolean;
  delimiters: Delimiters;
  /** A line break after each segment terminator, for partners whose tools read lines. */
  newline: boolean;
}

/** What goes into one interchange: one functional group of transaction sets, under one control number. */
export interface Outbound {
  /** GS01: PO (850), PC (860), FA (997). */
  functionalId: string;
  /** ISA13 and GS06; ST02 too, unless the group holds several sets (then 0001, 0002…). */
  controlNumber: number;
  /** ISA09/10 and GS04/05 (UTC): a date from the document, so that a resend repeats the bytes. */
  at: Date;
  sets: { id: string; segments: readonly Segment[] }[];
}

/**
 * The interchange as bytes: ISA padded to its fixed width, counts and trailers computed by node-x12's generator.
 * Throws PermanentError when a value holds one of the partner's delimiters (it would split the segment).
 */
export function writeInterchange(partners: Partners, doc: Outbound): Buffer {
  const { delimiters: d } = partners;
  const number = doc.controlNumber;
  if (!Number.isInteger(number) || number < 1 || number > 999_999_999)
    throw new RangeError(`control number ${number} is not between 1 and 999999999`);
  const options = {
    elementDelimiter: d.element,
    segmentTerminator: d.segment,
    subElementDelimiter: d.component,
    repetitionDelimiter: 'U',
    endOfLine: '\n',
    format: partners.newline,
  };
  const stamp = doc.at.toISOString(); // 2026-12-01T10:00:00.000Z
  const ymd = stamp.slice(0, 10).replace(/-/g, '');
  const hm = stamp.slice(11, 16).replace(':', '');
  const isa = [
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    partners.us.qualifier,
    partners.us.id.padEnd(15),
    partners.them.qualifier,
    partners.them.id.padEnd(15),
    ymd.slice(2),
    hm,
    'U',
    '00401',
    String(number).padStart(9, '0'),
    partners.ackRequested ? '1' : '0',
    partners.usage,
    d.component,
  ];
  const notation = new JSEDINotation(isa, options);
  const group = notation.addFunctionalGroup([
    doc.functionalId,
    partners.us.application,
    partners.them.application,
    ymd,
    hm,
    String(number),
    'X',
    '004010',
  ]);
  doc.sets.forEach((set, i) => {
    const control = doc.sets.length === 1 ? number : i + 1;
    const transaction = group.addTransaction([set.id, String(control).padStart(4, '0')]);
    for (const segment of set.segments) {
      const elements = trimTrailing(segment.elements);
      elements.forEach((value, at) => checkValue(d, segment.tag, at + 1, value));
      transaction.addSegment(segment.tag, elements);
    }
  });
  const text = new X12Generator(notation, options).toString();
  return Buffer.from(partners.newline ? `${text}\n` : text, 'latin1');
}

/** X12 omits empty elements at the end of a segment. */
function trimTrailing(elements: readonly string[]): string[] {
  let end = elements.length;
  while (end > 0 && elements[end - 1] === '') end--;
  return elements.slice(0, end);
}

function checkValue(d: Delimiters, tag: string, position: number, value: string): void {
  for (const delimiter of [d.element, d.segment, d.component])
    if (value.includes(delimiter))
      throw new PermanentError(
        `${tag}${String(position).padStart(2, '0')} "${value}" holds the delimiter ${JSON.stringify(delimiter)} agreed with the partner: it cannot be sent as X12`,
      );
}
