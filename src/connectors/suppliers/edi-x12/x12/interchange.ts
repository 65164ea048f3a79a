/**
 * An X12 interchange as read from a supplier's file: its ISA, its functional groups and their transaction sets, each
 * segment with its place, and every envelope fault found on the way (with the X12 code a 997 gives it).
 *
 * node-x12 writes Waybill's documents (./envelope.ts), but its reader cannot serve here: it absorbs a missing SE,
 * throws a TypeError on a missing ST or a short ISA, drops text after the last terminator, and rewrites ISA13 as a
 * number, so a 997 could not say what was wrong where. Splitting on the delimiters the ISA declares is all the
 * tokenizing X12 has; the checks are the work, and they are here.
 */

/** The three delimiters an interchange declares in its ISA (004010 has no repetition separator). */
export interface Delimiters {
  element: string;
  segment: string;
  component: string;
}

export interface Segment {
  tag: string;
  /** Element values by position: `elements[0]` is element 01. */
  elements: string[];
}

/** A segment of a transaction set with its position in it, as a 997 counts it (ST is 1). */
export interface PlacedSegment extends Segment {
  position: number;
}

/** A fault of a set's or a group's envelope, with its code (AK502 or AK905) and words for an operator. */
export interface EnvelopeFault {
  code?: string | undefined;
  text: string;
}

export interface TransactionSet {
  st: Segment;
  /** ST's code (855, 856…) and control number. */
  id: string;
  control: string;
  /** The segments between ST and SE, positions from 2. */
  body: PlacedSegment[];
  faults: EnvelopeFault[];
}

export interface FunctionalGroup {
  gs: Segment;
  /** GS01, e.g. PR for 855s. */
  functionalId: string;
  /** GS06. */
  control: string;
  sets: TransactionSet[];
  /** GE01 as written (the count of sets the sender says it sent), when present. */
  declaredSets?: string | undefined;
  faults: EnvelopeFault[];
}

export interface Interchange {
  /** ISA01–ISA16 as written (padding kept). */
  isa: string[];
  delimiters: Delimiters;
  groups: FunctionalGroup[];
  /** Faults of the interchange as a whole (ISA, IEA, what lies between groups): no 997 code exists for these. */
  faults: string[];
}

/** The file could not be read as X12 at all: no ISA, so no delimiters and no 997. */
export interface NotX12 {
  notX12: string;
}

const ISA_LENGTH = 106;
const TAG = /^[A-Z][A-Z0-9]{1,2}$/;

/** Reads a file's bytes as one X12 interchange (latin1: one byte, one character, so the ISA's width is exact). */
export function readInterchange(bytes: Buffer): Interchange | NotX12 {
  // A byte-order mark or blank lines before the ISA are forgiven; anything else is not X12.
  const text = bytes
    .toString('latin1')
    .replace(/^\u00ef\u00bb\u00bf/, '')
    .replace(/^\s+/, '');
  if (!text.startsWith('ISA'))
    return {
      notX12: `not an X12 interchange: it does not begin with an ISA segment (it begins ${JSON.stringify(text.slice(0, 20))}), so no 997 can be sent for it`,
    };
  const isaRead = readIsa(text);
  if ('notX12' in isaRead) return isaRead;
  const { isa, delimiters, end } = isaRead;
  const faults: string[] = [];
  if (end !== ISA_LENGTH)
    faults.push(
      `the ISA segment is ${end} characters long, not the fixed ${ISA_LENGTH}: its fields are not padded`,
    );
  faults.push(...isaFaults(isa));
  const { segments, trailing } = splitSegments(text.slice(end), delimiters);
  if (trailing)
    faults.push(
      `text after the last segment terminator (${JSON.stringify(trailing.slice(0, 20))}): the file may be cut short`,
    );
  const interchange: Interchange = { isa, delimiters, groups: [], faults };
  structure(interchange, segments);
  return interchange;
}

/** The ISA's 16 elements, found by counting element separators (ISA16 is one character, then the terminator). */
function readIsa(text: string): { isa: string[]; delimiters: Delimiters; end: number } | NotX12 {
  const element = text[3]!;
  if (/[A-Za-z0-9\s]/.test(element))
    return {
      notX12: `not an X12 interchange: the ISA's element separator ${JSON.stringify(element)} is a letter, digit or space`,
    };
  let at = 3;
  const isa: string[] = [];
  for (let n = 1; n <= 16; n++) {
    const next = n === 16 ? at + 2 : text.indexOf(element, at + 1);
    if (next < 0 || next > 200)
      return { notX12: 'not an X12 interchange: its ISA segment does not have 16 elements' };
    isa.push(text.slice(at + 1, next));
    at = next;
  }
  const component = isa[15]!;
  const segment = text[at];
  if (segment === undefined || segment === element || segment === component || /[A-Za-z0-9 ]/.test(segment))
    return { notX12: 'not an X12 interchange: its ISA segment ends in no usable segment terminator' };
  return { isa, delimiters: { element, segment, component }, end: at + 1 };
}

function isaFaults(isa: string[]): string[] {
  const faults: string[] = [];
  const at = (n: number) => isa[n - 1]!;
  if (at(11) !== 'U') faults.push(`ISA11 is "${at(11)}", not U (004010 has no repetition separator)`);
  if (at(12) !== '00401') faults.push(`ISA12 is "${at(12)}", not 00401: Waybill reads version 004010 only`);
  if (!/^\d{9}$/.test(at(13))) faults.push(`ISA13 "${at(13)}" is not a 9-digit control number`);
  if (!/^\d{6}$/.test(at(9)) || !/^\d{4}$/.test(at(10)))
    faults.push(`ISA09/ISA10 "${at(9)}"/"${at(10)}" are not a date YYMMDD and a time HHMM`);
  if (!['0', '1'].includes(at(14))) faults.push(`ISA14 is "${at(14)}", not 0 or 1`);
  if (!['P', 'T'].includes(at(15))) faults.push(`ISA15 is "${at(15)}", not P (production) or T (test)`);
  return faults;
}

/** The segments after the ISA, split on the terminator; line breaks after a terminator are layout, not data. */
function splitSegments(rest: string, d: Delimiters): { segments: Segment[]; trailing: string } {
  const parts = rest.split(d.segment);
  const trailing = parts.pop()!.trim();
  const segments = parts
    // CR LF after each terminator is layout; so is the CR of a CR LF when LF itself is the terminator.
    .map((part) => part.replace(/^[\r\n]+/, '').replace(/\r$/, ''))
    .filter((part) => part !== '')
    .map((part) => {
      const [tag = '', ...elements] = part.split(d.element);
      return { tag, elements };
    });
  return { segments, trailing };
}

/** Groups the segments into GS…GE and ST…SE, noting every envelope fault with its code. */
function structure(interchange: Interchange, segments: Segment[]): void {
  let group: FunctionalGroup | undefined;
  let set: TransactionSet | undefined;
  let iea: Segment | undefined;
  const closeSet = (fault?: EnvelopeFault) => {
    if (set && fault) set.faults.push(fault);
    set = undefined;
  };
  for (const segment of segments) {
    if (iea) {
      interchange.faults.push(`segment ${segment.tag} after IEA: one interchange per file`);
      break;
    }
    if (set && !['SE', 'ST', 'GE', 'GS', 'IEA', 'ISA'].includes(segment.tag)) {
      set.body.push({ ...segment, position: set.body.length + 2 });
      continue;
    }
    switch (segment.tag) {
      case 'SE':
        if (!set) {
          (group?.faults ?? []).push({ text: 'an SE with no ST before it' });
          if (!group) interchange.faults.push('an SE outside any functional group');
          break;
        }
        checkSetTrailer(set, segment);
        closeSet();
        break;
      case 'ST':
        closeSet({ code: '2', text: 'transaction set trailer (SE) missing' });
        if (!group) {
          interchange.faults.push('an ST outside any functional group (no GS before it)');
          break;
        }
        set = openSet(segment, group);
        group.sets.push(set);
        break;
      case 'GE':
        closeSet({ code: '2', text: 'transaction set trailer (SE) missing' });
        if (!group) {
          interchange.faults.push('a GE with no GS before it');
          break;
        }
        checkGroupTrailer(group, segment);
        group = undefined;
        break;
      case 'GS':
        closeSet({ code: '2', text: 'transaction set trailer (SE) missing' });
        if (group) group.faults.push({ code: '3', text: 'functional group trailer (GE) missing' });
        group = openGroup(segment);
        interchange.groups.push(group);
        break;
      case 'IEA':
        closeSet({ code: '2', text: 'transaction set trailer (SE) missing' });
        if (group) group.faults.push({ code: '3', text: 'functional group trailer (GE) missing' });
        group = undefined;
        iea = segment;
        break;
      default:
        if (group) group.faults.push({ text: `segment ${segment.tag} outside any transaction set` });
        else interchange.faults.push(`segment ${segment.tag} outside any functional group`);
    }
  }
  closeSet({ code: '2', text: 'transaction set trailer (SE) missing' });
  if (group) group.faults.push({ code: '3', text: 'functional group trailer (GE) missing' });
  checkInterchangeTrailer(interchange, iea);
}

function openSet(st: Segment, group: FunctionalGroup): TransactionSet {
  const [id = '', control = ''] = st.elements;
  const set: TransactionSet = { st, id, control, body: [], faults: [] };
  if (!/^\d{3}$/.test(id))
    set.faults.push({ code: '6', text: `ST01 "${id}" is not a transaction set identifier` });
  if (!/^[A-Za-z0-9]{4,9}$/.test(control))
    set.faults.push({ code: '7', text: `ST02 "${control}" is not a 4 to 9 character control number` });
  else if (group.sets.some((other) => other.control === control))
    set.faults.push({ code: '23', text: `ST02 ${control} is used twice in the group` });
  return set;
}

function checkSetTrailer(set: TransactionSet, se: Segment): void {
  const [count = '', control = ''] = se.elements;
  const actual = set.body.length + 2;
  if (count !== String(actual))
    set.faults.push({ code: '4', text: `SE01 says ${count || 'nothing'} segments, the set has ${actual}` });
  if (control !== set.control)
    set.faults.push({ code: '3', text: `SE02 ${control || '(empty)'} is not ST02 ${set.control}` });
}

function openGroup(gs: Segment): FunctionalGroup {
  const functionalId = gs.elements[0] ?? '';
  const control = gs.elements[5] ?? '';
  const group: FunctionalGroup = { gs, functionalId, control, sets: [], faults: [] };
  if (!/^\d{1,9}$/.test(control))
    group.faults.push({ code: '6', text: `GS06 "${control}" is not a 1 to 9 digit group control number` });
  const version = gs.elements[7] ?? '';
  if (gs.elements[6] !== 'X' || !version.startsWith('004010'))
    group.faults.push({
      code: '2',
      text: `GS07/GS08 "${gs.elements[6] ?? ''}"/"${version}" are not X/004010: Waybill reads version 004010 only`,
    });
  return group;
}

function checkGroupTrailer(group: FunctionalGroup, ge: Segment): void {
  const [count = '', control = ''] = ge.elements;
  group.declaredSets = count;
  if (count !== String(group.sets.length))
    group.faults.push({
      code: '5',
      text: `GE01 says ${count || 'nothing'} transaction sets, the group has ${group.sets.length}`,
    });
  if (control !== group.control)
    group.faults.push({ code: '4', text: `GE02 ${control || '(empty)'} is not GS06 ${group.control}` });
}

function checkInterchangeTrailer(interchange: Interchange, iea: Segment | undefined): void {
  if (!iea) {
    interchange.faults.push('the interchange trailer (IEA) is missing: the file may be cut short');
    return;
  }
  const [count = '', control = ''] = iea.elements;
  if (count !== String(interchange.groups.length))
    interchange.faults.push(
      `IEA01 says ${count || 'nothing'} functional groups, the interchange has ${interchange.groups.length}`,
    );
  if (control !== interchange.isa[12])
    interchange.faults.push(`IEA02 ${control || '(empty)'} is not ISA13 ${interchange.isa[12] ?? ''}`);
}

/** Whether a segment tag is well formed (two or three capitals and digits, a capital first). */
export function isSegmentTag(tag: string): boolean {
  return TAG.test(tag);
}
