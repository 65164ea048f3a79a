import type { AckLine } from '../../../../domain/purchase-order.ts';
import { ELEMENT_CODES, SEGMENT_CODES, type SetCheck } from './check.ts';
import { isoDate } from './guide.ts';
import type { PlacedSegment, TransactionSet } from './interchange.ts';
import { el, minorUnits, setCurrency, wholeNumber } from './values.ts';

/** An 855 as Waybill reads it: the PO and a status per line (none when BAK02 answers for the whole PO). */
export interface Acknowledgement {
  poNumber: string;
  lines: AckLine[];
  /** BAK02 AK (accepted) or RJ (rejected) with no PO1 lines: the answer holds for every line of the PO. */
  whole?: 'accepted' | 'rejected' | undefined;
}

interface LineLoop {
  po1: PlacedSegment;
  acks: PlacedSegment[];
}

/**
 * Reads an 855 (purchase order acknowledgement): BAK02 AC/AD (with detail), AK (accepted, no detail), RD (rejected
 * with detail), RJ (rejected, no detail); per PO1 line (PO101 = the PO's line number) its ACK segments: IA accepted,
 * IB backordered until ACK05, IR rejected, IQ quantity changed (ACK02), IP price changed (PO104), DR ship date
 * rescheduled (ACK05). A line with no ACK takes BAK02's meaning.
 */
export function readAcknowledgement(set: TransactionSet, check: SetCheck, fallbackCurrency: string) {
  const bak = set.body.find((s) => s.tag === 'BAK');
  if (!bak) return undefined;
  const type = el(bak, 2);
  const currency = setCurrency(set, check, fallbackCurrency);
  const loops: LineLoop[] = [];
  for (const segment of set.body) {
    if (segment.tag === 'PO1') loops.push({ po1: segment, acks: [] });
    else if (segment.tag === 'ACK') {
      const loop = loops.at(-1);
      if (loop) loop.acks.push(segment);
      else check.segment('ACK', segment.position, SEGMENT_CODES.unexpected, 'an ACK belongs to a PO1 line');
    }
  }
  const answer: Acknowledgement = { poNumber: el(bak, 3), lines: [] };
  if (loops.length === 0) {
    if (type === 'AK' || type === 'RJ') answer.whole = type === 'AK' ? 'accepted' : 'rejected';
    else
      check.segment(
        'PO1',
        bak.position + 1,
        SEGMENT_CODES.missing,
        `BAK02 ${type} acknowledges with detail: each line needs a PO1`,
      );
    return answer;
  }
  const seen = new Set<number>();
  for (const loop of loops) {
    const line = readLine(loop, type, currency, check);
    if (!line) continue;
    if (seen.has(line.lineNumber)) {
      check.element(
        loop.po1,
        1,
        ELEMENT_CODES.invalidCode,
        `PO101 line ${line.lineNumber} is acknowledged twice`,
      );
      continue;
    }
    seen.add(line.lineNumber);
    answer.lines.push(line);
  }
  return answer;
}

function readLine(loop: LineLoop, type: string, currency: string, check: SetCheck): AckLine | undefined {
  const lineNumber = wholeNumber(check, loop.po1, 1, "the PO's line number", { min: 1 });
  const acks = loop.acks.map((ack) => readAck(ack, check));
  if (lineNumber === undefined || acks.some((a) => a === undefined)) return undefined;
  const read = acks as { status: string; quantity?: number; date?: string }[];
  if (read.length === 0)
    return type === 'RD' || type === 'RJ'
      ? { lineNumber, status: 'rejected', reason: 'rejected by the supplier (855)' }
      : { lineNumber, status: 'accepted' };
  if (read.every((a) => a.status === 'IR'))
    return { lineNumber, status: 'rejected', reason: 'rejected by the supplier (855 ACK IR)' };
  const backorder = read.find((a) => a.status === 'IB');
  if (backorder) return { lineNumber, status: 'backordered', availableOn: backorder.date };
  const change: NonNullable<AckLine['change']> = {};
  const quantityChange = read.find((a) => a.status === 'IQ');
  if (quantityChange) change.quantity = quantityChange.quantity;
  else if (read.some((a) => a.status === 'IR'))
    // Part of the line rejected: the rest is what will ship.
    change.quantity = read.filter((a) => a.status !== 'IR').reduce((n, a) => n + (a.quantity ?? 0), 0);
  if (read.some((a) => a.status === 'IP')) {
    const price = el(loop.po1, 4);
    if (price === '') {
      check.element(
        loop.po1,
        4,
        ELEMENT_CODES.conditionalMissing,
        'PO104 (the new unit price) is required with IP',
      );
      return undefined;
    }
    change.unitCost = minorUnits(price, currency);
  }
  const rescheduled = read.find((a) => a.status === 'DR');
  if (rescheduled) change.shipOn = rescheduled.date;
  return Object.keys(change).length > 0
    ? { lineNumber, status: 'accepted', change }
    : { lineNumber, status: 'accepted' };
}

/** One ACK: its status, and the quantity and date the status needs (IQ a quantity, IB and DR a date). */
function readAck(ack: PlacedSegment, check: SetCheck) {
  const status = el(ack, 1);
  const hasDate = el(ack, 5) !== '';
  if (el(ack, 4) !== '' && !hasDate)
    check.element(ack, 5, ELEMENT_CODES.conditionalMissing, 'ACK05 is required with ACK04');
  if ((status === 'IB' || status === 'DR') && !hasDate) {
    check.element(
      ack,
      5,
      ELEMENT_CODES.conditionalMissing,
      `ACK05 (with its qualifier in ACK04) is required with ${status}: the date the line ships`,
    );
    return undefined;
  }
  let quantity: number | undefined;
  if (status === 'IQ' || el(ack, 2) !== '') {
    quantity = wholeNumber(check, ack, 2, 'the quantity');
    if (quantity === undefined) return undefined;
  }
  return { status, quantity, date: hasDate ? isoDate(el(ack, 5)) : undefined };
}
