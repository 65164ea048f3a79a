/**
 * The documents of the simulated EDI supplier (demo and tests only): reading what a buyer sends (850 purchase
 * order, 860 change, 997 acknowledgement), checking each set's structure the way a partner's translator does, and
 * writing its own answers (855, 856, 810, 997), all X12 004010. Written from published implementation guides, not
 * from Waybill's codec: element and code meanings from the 004010 dictionaries
 * (https://www.stedi.com/edi/x12-004010/segment/ACK, https://zenbridge.io/edi-dictionary/X12/4010), the pick-and-pack
 * (S O P I) ship notice of large retailers' drop-ship guides (Macy's and Orchard Supply 856), the 997 error codes of
 * https://support.edifabric.com/hc/en-us/articles/360000380131-X12-997-Acknowledgment-Error-Codes, and the buyer's
 * own guide for the choices it leaves open (docs/edi-x12.md: PO101 echoed, MAN*CP or REF*CN per package).
 */
import type { LineAnswer, OrderedLine, Parcel } from './supplier-behaviour.ts';
import {
  centsToDecimal,
  decimalToCents,
  find,
  qualified,
  x12Date,
  x12Time,
  type ReadSet,
  type Segment,
} from './x12.ts';

/** A PO line as the 850's PO1 gave it; `id` is PO101 as sent, echoed in every answer. */
export interface EdiPoLine extends OrderedLine {
  id: string;
  unit: string;
  /** PO104 as written (type R), echoed in the 855 and 810. */
  price: string;
  buyerSku?: string | undefined;
}

export interface EdiPurchaseOrder {
  poNumber: string;
  /** BEG05, CCYYMMDD. */
  date: string;
  /** CUR02 when the 850 had a CUR (else the partner's agreed currency). */
  currency?: string | undefined;
  shipToName?: string | undefined;
  lines: EdiPoLine[];
}

/** A set's verdict for the 997: accepted, or rejected with AK502 and the AK3/AK4 notes that say why. */
export interface SetVerdict {
  accepted: boolean;
  /** AK502, for a set rejected as a whole. */
  code?: string | undefined;
  notes: Segment[];
}

/** What the buyer's 997 said of one of the partner's groups. */
export interface BuyerReceipt {
  /** AK101 and AK102: the partner's group it answers. */
  functionalId: string;
  groupControlNumber: number;
  /** AK901 A or E. */
  accepted: boolean;
  ak901: string;
  /** AK905…: the group's error codes. */
  groupErrors: string[];
  /** AK2/AK5 per set: ST01, ST02, AK501, AK502…, and the AK3/AK4 notes in between. */
  sets: { st01: string; st02: string; ak501: string; errors: string[]; notes: string[] }[];
}

/** Envelope checks of one set (AK502 codes): a trailer, its control number, its segment count. */
export function checkTrailer(set: ReadSet): SetVerdict | undefined {
  if (!set.se) return { accepted: false, code: '2', notes: [] };
  if (set.se[2] !== set.st[2]) return { accepted: false, code: '3', notes: [] };
  if (Number(set.se[1]) !== set.body.length + 2) return { accepted: false, code: '4', notes: [] };
  return undefined;
}

/** Notes for a segment in error: AK3 (id, position from ST = 1, AK304) and its elements' AK4s. */
function segmentError(id: string, position: number, code: string, elements: Segment[] = []): SetVerdict {
  return { accepted: false, code: '5', notes: [['AK3', id, String(position), '', code], ...elements] };
}

/** The position of a body segment in its set, counting ST as 1. */
function positionOf(set: ReadSet, segment: Segment): number {
  return set.body.indexOf(segment) + 2;
}

/** 850: BEG03 the PO number; a PO1 per line with a line number, a whole quantity and the vendor's part number. */
export function readPurchaseOrder(set: ReadSet): EdiPurchaseOrder | SetVerdict {
  const beg = find(set.body, 'BEG');
  if (!beg) return segmentError('BEG', 2, '3');
  if (!beg[3]) return segmentError('BEG', positionOf(set, beg), '8', [['AK4', '3', '324', '1']]);
  const cur = find(set.body, 'CUR');
  const shipTo = set.body.find((s) => s[0] === 'N1' && s[1] === 'ST');
  const lines: EdiPoLine[] = [];
  for (const po1 of set.body.filter((s) => s[0] === 'PO1')) {
    const at = positionOf(set, po1);
    const [, id = '', quantity = '', unit = '', price = ''] = po1;
    if (!id) return segmentError('PO1', at, '8', [['AK4', '1', '350', '1']]);
    if (!/^\d+$/.test(quantity)) return segmentError('PO1', at, '8', [['AK4', '2', '330', '6', quantity]]);
    const supplierSku = qualified(po1, 'VP', 6);
    if (!supplierSku) return segmentError('PO1', at, '8', [['AK4', '7', '234', '2']]);
    lines.push({
      id,
      lineNumber: Number(id),
      supplierSku,
      quantity: Number(quantity),
      unit: unit || 'EA',
      price,
      buyerSku: qualified(po1, 'BP', 6) ?? qualified(po1, 'SK', 6),
    });
  }
  if (lines.length === 0) return segmentError('PO1', set.body.length + 2, '3');
  return {
    poNumber: beg[3],
    date: beg[5] ?? '',
    currency: cur?.[2] || undefined,
    shipToName: shipTo?.[2] || undefined,
    lines,
  };
}

/** 860: BCH01 `01` withdraws the whole PO; any other purpose is a change this supplier does not take. */
export function readChange(set: ReadSet): { poNumber: string; cancel: boolean } | SetVerdict {
  const bch = find(set.body, 'BCH');
  if (!bch) return segmentError('BCH', 2, '3');
  if (!bch[3]) return segmentError('BCH', positionOf(set, bch), '8', [['AK4', '3', '324', '1']]);
  return { poNumber: bch[3], cancel: bch[1] === '01' };
}

/** The buyer's 997: AK1, then AK2 … AK5 per set, then AK9. */
export function readReceipt(set: ReadSet): BuyerReceipt | SetVerdict {
  const ak1 = find(set.body, 'AK1');
  const ak9 = find(set.body, 'AK9');
  if (!ak1) return segmentError('AK1', 2, '3');
  if (!ak9) return segmentError('AK9', set.body.length + 2, '3');
  const sets: BuyerReceipt['sets'] = [];
  for (const segment of set.body) {
    if (segment[0] === 'AK2')
      sets.push({ st01: segment[1] ?? '', st02: segment[2] ?? '', ak501: '', errors: [], notes: [] });
    else if ((segment[0] === 'AK3' || segment[0] === 'AK4') && sets.length > 0)
      sets.at(-1)!.notes.push(segment.join(' '));
    else if (segment[0] === 'AK5' && sets.length > 0)
      Object.assign(sets.at(-1)!, { ak501: segment[1] ?? '', errors: segment.slice(2).filter(Boolean) });
  }
  return {
    functionalId: ak1[1] ?? '',
    groupControlNumber: Number(ak1[2]),
    accepted: ak9[1] === 'A' || ak9[1] === 'E',
    ak901: ak9[1] ?? '',
    groupErrors: ak9.slice(5).filter(Boolean),
    sets,
  };
}

/** ACK01 (element 668) for each answer; ACK04 `068` (current schedule ship) dates a backorder. */
const ACK_CODE = { accepted: 'IA', rejected: 'IR', backordered: 'IB' } as const;

/**
 * 855: BAK02 `AD` (all accepted as ordered), `AC` (with changes: a line rejected or backordered) or `RD` (every
 * line rejected); a PO1 echoing each line, with its ACK.
 */
export function purchaseOrderAck(
  po: EdiPurchaseOrder,
  answers: LineAnswer[],
  unknownAckCode = false,
): Segment[] {
  const statuses = answers.map((a) => a.status);
  const bak02 = statuses.every((s) => s === 'rejected')
    ? 'RD'
    : statuses.every((s) => s === 'accepted')
      ? 'AD'
      : 'AC';
  const body: Segment[] = [['BAK', '00', bak02, po.poNumber, po.date]];
  if (po.currency) body.push(['CUR', 'SE', po.currency]);
  po.lines.forEach((line, i) => {
    const answer = answers.find((a) => a.lineNumber === line.lineNumber);
    body.push(po1Of(line, 'PO1'));
    // A code not in element 668, on request: the buyer must refuse it.
    const code = unknownAckCode && i === 0 ? 'ZQ' : ACK_CODE[answer?.status ?? 'accepted'];
    const ack = ['ACK', code, String(line.quantity), line.unit];
    if (answer?.status === 'backordered') ack.push('068', answer.availableOn.replaceAll('-', ''));
    body.push(ack);
  });
  body.push(['CTT', String(po.lines.length)]);
  return body;
}

/** PO1 or IT1 with the line as ordered: id, quantity, unit, price, the vendor's and the buyer's part numbers. */
function po1Of(line: EdiPoLine, id: 'PO1' | 'IT1', quantity = line.quantity): Segment {
  const segment = [id, line.id, String(quantity), line.unit, line.price, '', 'VP', line.supplierSku];
  if (line.buyerSku) segment.push('BP', line.buyerSku);
  return segment;
}

/** SCACs of the carriers a supplier names (TD503, with TD502 `2`). */
const SCAC: Record<string, { scac: string; service: string }> = {
  UPS: { scac: 'UPSN', service: 'UPS Ground' },
  FEDEX: { scac: 'FDEG', service: 'FedEx Ground' },
  USPS: { scac: 'USPS', service: 'USPS Priority Mail' },
};

export interface ShipNoticeOptions {
  shipmentId: string;
  shippedAt: Date;
  carrier: string;
  supplierName: string;
  /** Where each package's tracking number goes: `MAN*CP` (carrier package id) or `REF*CN`. */
  trackingIn: 'MAN' | 'REF';
}

/**
 * 856, pick and pack (BSN05 `0001`: shipment, order, pack, item): the shipment with its carrier (TD5) and date
 * (DTM 011), the order (PRF), a pack per parcel with its tracking number, an item per line under its pack.
 */
export function shipNotice(po: EdiPurchaseOrder, parcels: Parcel[], options: ShipNoticeOptions): Segment[] {
  const at = options.shippedAt;
  const carrier = SCAC[options.carrier.toUpperCase()] ?? {
    scac: options.carrier.toUpperCase(),
    service: options.carrier,
  };
  const body: Segment[] = [
    ['BSN', '00', options.shipmentId, x12Date(at), x12Time(at), '0001'],
    ['DTM', '011', x12Date(at), x12Time(at), 'UT'],
    ['HL', '1', '', 'S', '1'],
    ['TD1', 'CTN25', String(parcels.length)],
    ['TD5', 'B', '2', carrier.scac, 'U', carrier.service],
  ];
  if (po.shipToName) body.push(['N1', 'ST', po.shipToName]);
  body.push(['N1', 'SF', options.supplierName], ['HL', '2', '1', 'O', '1'], ['PRF', po.poNumber]);
  let hl = 2;
  for (const parcel of parcels) {
    const pack = ++hl;
    body.push(['HL', String(pack), '2', 'P', '1']);
    body.push(
      options.trackingIn === 'MAN'
        ? ['MAN', 'CP', parcel.trackingNumber]
        : ['REF', 'CN', parcel.trackingNumber],
    );
    for (const shipped of parcel.lines) {
      const line = po.lines.find((l) => l.lineNumber === shipped.lineNumber)!;
      body.push(['HL', String(++hl), String(pack), 'I', '0']);
      const lin = ['LIN', line.id, 'VP', line.supplierSku];
      if (line.buyerSku) lin.push('BP', line.buyerSku);
      body.push(lin, ['SN1', '', String(shipped.quantity), line.unit]);
    }
  }
  // CTT01 of an 856 counts its HL segments.
  body.push(['CTT', String(hl)]);
  return body;
}

/** 810: BIG (date, number, PO), an IT1 per line shipped at the PO's price, TDS the total in hundredths (N2). */
export function invoice(
  po: EdiPurchaseOrder,
  shipped: readonly OrderedLine[],
  options: { invoiceNumber: string; at: Date },
): Segment[] {
  const body: Segment[] = [['BIG', x12Date(options.at), options.invoiceNumber, po.date, po.poNumber]];
  if (po.currency) body.push(['CUR', 'SE', po.currency]);
  let total = 0;
  for (const { lineNumber, quantity } of shipped) {
    const line = po.lines.find((l) => l.lineNumber === lineNumber)!;
    total += (decimalToCents(line.price) ?? 0) * quantity;
    body.push(po1Of({ ...line, price: centsToDecimal(decimalToCents(line.price) ?? 0) }, 'IT1', quantity));
  }
  body.push(['TDS', String(total)], ['CTT', String(shipped.length)]);
  return body;
}

/** 997 of one group: AK1 (GS01, GS06), AK2 … AK5 per set, AK9 with the counts and the group's own error. */
export function functionalAck(group: {
  gs: Segment;
  sets: { st: Segment; verdict: SetVerdict }[];
  declaredSets: number;
  groupError?: string;
}): Segment[] {
  const body: Segment[] = [['AK1', group.gs[1] ?? '', group.gs[6] ?? '']];
  // A group in error (an empty code: an envelope fault X12 has no AK9 code for) rejects every set in it.
  const groupRejected = group.groupError !== undefined;
  for (const { st, verdict } of group.sets) {
    const accepted = verdict.accepted && !groupRejected;
    body.push(['AK2', st[1] ?? '', st[2] ?? ''], ...verdict.notes);
    body.push(accepted ? ['AK5', 'A'] : verdict.code ? ['AK5', 'R', verdict.code] : ['AK5', 'R']);
  }
  const acceptedCount = groupRejected ? 0 : group.sets.filter((s) => s.verdict.accepted).length;
  const ak901 =
    acceptedCount === group.sets.length && group.sets.length > 0 ? 'A' : acceptedCount > 0 ? 'P' : 'R';
  const ak9 = ['AK9', ak901, String(group.declaredSets), String(group.sets.length), String(acceptedCount)];
  if (group.groupError) ak9.push(group.groupError);
  body.push(ak9);
  return body;
}
