/**
 * A trading partner's small X12 004010 reader and writer, for the simulated EDI supplier (demo and tests only).
 * Written from the published standard, not from Waybill's codec (which it must be able to catch out): the ISA is a
 * fixed 106 characters whose 4th character is the element separator, 105th the component separator and 106th the
 * segment terminator; an interchange holds functional groups (GS … GE), a group holds transaction sets (ST … SE).
 * Sources: X12 004010 control segments as EDI vendors publish them, e.g.
 * https://www.stedi.com/edi/x12-004010/segment/ISA and https://www.stedi.com/edi/x12-004010/segment/GS, and the
 * 997 guide of https://support.edifabric.com/hc/en-us/articles/360000380131-X12-997-Acknowledgment-Error-Codes.
 */

/** One segment: its id, then its elements (`['BEG', '00', 'SA', 'PO-1', '', '20261201']`). */
export type Segment = string[];

export interface Delimiters {
  element: string;
  /** ISA16. */
  component: string;
  segment: string;
  /** A line break after each segment terminator (readable files; the standard ignores it). */
  newline: boolean;
}

export const DEFAULT_DELIMITERS: Delimiters = { element: '*', component: '>', segment: '~', newline: false };

/** Who is who in an interchange: ISA05–08, GS02–03. */
export interface Parties {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** GS02 and GS03; the ISA ids when absent. */
  senderApplication?: string | undefined;
  receiverApplication?: string | undefined;
}

/** Damage a test asks for, to see the hub refuse it: SE01 one too many, GE02 not GS06. */
export interface EnvelopeFaults {
  se01?: boolean;
  ge02?: boolean;
}

/**
 * One interchange with one functional group of `sets` (each given without its ST and SE), as a file's text.
 * GS06 is ISA13 (a common convention: one group per interchange), ST02 `0001`, `0002`…
 *
 * @example
 * const text = writeInterchange({ parties, controlNumber: 7, at: new Date(), usage: 'P', functionalId: 'PR',
 *   sets: [{ id: '855', body: [['BAK', '00', 'AD', 'PO-1', '20261201']] }] }, DEFAULT_DELIMITERS);
 */
export function writeInterchange(
  interchange: {
    parties: Parties;
    controlNumber: number;
    at: Date;
    usage: 'P' | 'T';
    functionalId: string;
    sets: { id: string; body: Segment[] }[];
    faults?: EnvelopeFaults | undefined;
  },
  delimiters: Delimiters,
): string {
  const { parties, controlNumber, at, usage, functionalId, sets, faults } = interchange;
  const iso = at.toISOString();
  const [ccyymmdd, hhmm] = [iso.slice(0, 10).replaceAll('-', ''), iso.slice(11, 16).replace(':', '')];
  const isa13 = String(controlNumber).padStart(9, '0');
  const segments: Segment[] = [
    [
      'ISA',
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      parties.senderQualifier,
      parties.senderId.padEnd(15),
      parties.receiverQualifier,
      parties.receiverId.padEnd(15),
      ccyymmdd.slice(2),
      hhmm,
      'U',
      '00401',
      isa13,
      '0',
      usage,
      delimiters.component,
    ],
    [
      'GS',
      functionalId,
      parties.senderApplication ?? parties.senderId,
      parties.receiverApplication ?? parties.receiverId,
      ccyymmdd,
      hhmm,
      String(controlNumber),
      'X',
      '004010',
    ],
  ];
  sets.forEach((set, i) => {
    const st02 = String(i + 1).padStart(4, '0');
    const count = set.body.length + 2 + (faults?.se01 ? 1 : 0);
    segments.push(['ST', set.id, st02], ...set.body, ['SE', String(count), st02]);
  });
  segments.push(
    ['GE', String(sets.length), String(controlNumber + (faults?.ge02 ? 1 : 0))],
    ['IEA', '1', isa13],
  );
  const end = delimiters.segment + (delimiters.newline ? '\n' : '');
  return segments.map((segment) => segment.join(delimiters.element) + end).join('');
}

/** A transaction set as read: ST, the segments between, SE (absent when missing). */
export interface ReadSet {
  st: Segment;
  body: Segment[];
  se?: Segment | undefined;
}

export interface ReadGroup {
  gs: Segment;
  sets: ReadSet[];
  ge?: Segment | undefined;
}

/** An interchange as read, with what was wrong with its envelope (the groups may still be answered). */
export interface ReadInterchange {
  isa: Segment;
  delimiters: Delimiters;
  groups: ReadGroup[];
  iea?: Segment | undefined;
  /** Envelope faults in words: a wrong IEA, segments outside any group. */
  problems: string[];
}

/** Reads one interchange; undefined when the text does not start with an ISA (not X12: nothing to answer). */
export function readInterchange(text: string): ReadInterchange | undefined {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (!start.startsWith('ISA') || start.length < 106) return undefined;
  const delimiters: Delimiters = {
    element: start[3]!,
    component: start[104]!,
    segment: start[105]!,
    newline: false,
  };
  const segments = start
    .split(delimiters.segment)
    .map((raw) => raw.replace(/^[\r\n]+|[\r\n]+$/g, ''))
    .filter((raw) => raw !== '')
    .map((raw) => raw.split(delimiters.element));
  const read: ReadInterchange = { isa: segments[0]!, delimiters, groups: [], problems: [] };
  let group: ReadGroup | undefined;
  let set: ReadSet | undefined;
  for (const segment of segments.slice(1)) {
    const id = segment[0];
    if (id === 'GS') read.groups.push((group = { gs: segment, sets: [] }));
    else if (id === 'GE' && group) {
      group.ge = segment;
      group = set = undefined;
    } else if (id === 'IEA') read.iea = segment;
    else if (!group) read.problems.push(`segment ${id} outside any functional group`);
    else if (id === 'ST') group.sets.push((set = { st: segment, body: [] }));
    else if (id === 'SE' && set) {
      set.se = segment;
      set = undefined;
    } else if (set) set.body.push(segment);
    else read.problems.push(`segment ${id} outside any transaction set`);
  }
  if (!read.iea) read.problems.push('no IEA');
  else if (read.iea[2] !== read.isa[13]) read.problems.push('IEA02 is not ISA13');
  else if (Number(read.iea[1]) !== read.groups.length)
    read.problems.push('IEA01 is not the number of groups');
  return read;
}

/** The first segment of `id` in a list, e.g. `find(set.body, 'BEG')`. */
export function find(segments: readonly Segment[], id: string): Segment | undefined {
  return segments.find((segment) => segment[0] === id);
}

/** The value that follows `qualifier` in a segment's qualifier/value pairs from `from` on (PO106/PO107 …). */
export function qualified(segment: Segment, qualifier: string, from: number): string | undefined {
  for (let i = from; i + 1 < segment.length; i += 2) if (segment[i] === qualifier) return segment[i + 1];
  return undefined;
}

/** X12 decimal (type R): `4.50`, `4.5`, `-1`, `.5`. Minor units of a two-decimal currency. */
export function decimalToCents(value: string): number | undefined {
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(value)) return undefined;
  return Math.round(Number(value) * 100);
}

/** A two-decimal amount as X12 type R writes it: no trailing zeros needed, but kept for people reading it. */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** CCYYMMDD (X12 type DT, 8 digits) of a day. */
export function x12Date(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

/** HHMM (X12 type TM) of a time, UTC. */
export function x12Time(at: Date): string {
  return at.toISOString().slice(11, 16).replace(':', '');
}
