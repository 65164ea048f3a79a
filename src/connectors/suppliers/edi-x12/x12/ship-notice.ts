import type { ShipLine } from '../../../../domain/purchase-order.ts';
import type { SupplierAnswers } from '../../supplier-transport.ts';
import { ELEMENT_CODES, SEGMENT_CODES, type SetCheck } from './check.ts';
import type { PlacedSegment, TransactionSet } from './interchange.ts';
import { el, productIds, wholeNumber } from './values.ts';

type Shipment = SupplierAnswers['shipments'][number];

/** One HL level and the segments of its loop. */
interface Level {
  hl: PlacedSegment;
  id: string;
  code: string;
  parent: Level | undefined;
  segments: PlacedSegment[];
}

/** Carriers' SCACs (TD503) as Waybill names carriers, so their tracking numbers can be checked. */
const SCAC_CARRIERS: Readonly<Record<string, string>> = {
  UPSN: 'UPS',
  UPSS: 'UPS',
  FDEG: 'FedEx',
  FDE: 'FedEx',
  FDEN: 'FedEx',
  FXFE: 'FedEx',
  USPS: 'USPS',
  DHLC: 'DHL',
  DHL: 'DHL',
};

/**
 * Reads an 856 (ship notice) in the standard HL hierarchy: S shipment (TD5 carrier, DTM 011 shipped, REF CN a
 * tracking number for the whole), O order (PRF01 the PO number), P pack or T tare (MAN CP/GM or REF CN its tracking
 * number), I item (LIN01, or LIN's PL id, the PO line number; SN102 the quantity). Levels are found by their parent
 * (HL02), so pick-and-pack (S O P I) and standard-carton (S O I, S P O I) layouts read alike. One shipment per order
 * level; its packages one per tracking number.
 */
export function readShipNotice(set: TransactionSet, check: SetCheck): Shipment[] {
  const levels = readLevels(set, check);
  const top = levels[0];
  if (!top) return [];
  const carrier = carrierOf(top, check);
  const shippedAt = shippedAtOf(set);
  const byPo = new Map<string, { tracking: Map<string, ShipLine[]> }>();
  for (const item of levels.filter((l) => l.code === 'I')) {
    const order = ancestor(item, 'O');
    if (!order) {
      check.element(
        item.hl,
        2,
        ELEMENT_CODES.invalidCode,
        `item level ${item.id} is under no order (O) level`,
      );
      continue;
    }
    const poNumber = poNumberOf(order, check);
    const line = itemLine(item, check);
    const tracking = trackingOf(item);
    if (!tracking)
      check.segment(
        'REF',
        item.hl.position,
        SEGMENT_CODES.missing,
        `item level ${item.id} has no tracking number: give MAN CP (or REF CN) on its pack, or REF CN on the shipment`,
      );
    if (poNumber === undefined || line === undefined || !tracking) continue;
    const shipment = byPo.get(poNumber) ?? { tracking: new Map() };
    const lines = shipment.tracking.get(tracking) ?? [];
    lines.push(line);
    shipment.tracking.set(tracking, lines);
    byPo.set(poNumber, shipment);
  }
  if (carrier === undefined) return [];
  return [...byPo].map(([poNumber, { tracking }]) => {
    const packages = [...tracking].map(([trackingNumber, lines]) => ({ trackingNumber, lines }));
    return {
      poNumber,
      carrier,
      trackingNumber: packages[0]!.trackingNumber,
      ...(shippedAt && { shippedAt }),
      lines: sumLines(packages.flatMap((p) => p.lines)),
      packages,
    };
  });
}

function readLevels(set: TransactionSet, check: SetCheck): Level[] {
  const levels: Level[] = [];
  const byId = new Map<string, Level>();
  for (const segment of set.body) {
    if (segment.tag !== 'HL') {
      levels.at(-1)?.segments.push(segment);
      continue;
    }
    const id = el(segment, 1);
    const parentId = el(segment, 2);
    const parent = parentId ? byId.get(parentId) : undefined;
    if (byId.has(id)) check.element(segment, 1, ELEMENT_CODES.invalidCode, `HL01 ${id} is used twice`);
    if (parentId && !parent)
      check.element(segment, 2, ELEMENT_CODES.invalidCode, `HL02 ${parentId} names no HL before it`);
    if (levels.length === 0 && (el(segment, 3) !== 'S' || parentId))
      check.element(
        segment,
        3,
        ELEMENT_CODES.invalidCode,
        'the first HL must be the shipment level (S), with no parent',
      );
    const level = { hl: segment, id, code: el(segment, 3), parent, segments: [] };
    byId.set(id, level);
    levels.push(level);
  }
  return levels;
}

function ancestor(level: Level, code: string): Level | undefined {
  for (let at: Level | undefined = level; at; at = at.parent) if (at.code === code) return at;
  return undefined;
}

function carrierOf(shipment: Level, check: SetCheck): string | undefined {
  const td5 = shipment.segments.find((s) => s.tag === 'TD5' && (el(s, 3) || el(s, 5)));
  if (!td5) {
    check.segment(
      'TD5',
      shipment.hl.position,
      SEGMENT_CODES.missing,
      'the shipment level needs a TD5 naming the carrier (TD502 2 with the SCAC in TD503, or TD505)',
    );
    return undefined;
  }
  const scac = el(td5, 3);
  if (scac && (el(td5, 2) === '2' || !el(td5, 5))) return SCAC_CARRIERS[scac] ?? scac;
  return el(td5, 5);
}

/** DTM 011 (shipped), its time read as UTC; absent: the hub takes the time it learns of the shipment. */
function shippedAtOf(set: TransactionSet): Date | undefined {
  const dtm = set.body.find((s) => s.tag === 'DTM' && el(s, 1) === '011' && el(s, 2));
  if (!dtm) return undefined;
  const date = el(dtm, 2);
  const time = el(dtm, 3).padEnd(4, '0');
  return new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:00Z`,
  );
}

function poNumberOf(order: Level, check: SetCheck): string | undefined {
  const prf = order.segments.find((s) => s.tag === 'PRF');
  if (prf) return el(prf, 1);
  // Reported once per order level, however many items it has.
  if (!check.errors.some((e) => e.tag === 'PRF' && e.position === order.hl.position))
    check.segment(
      'PRF',
      order.hl.position,
      SEGMENT_CODES.missing,
      `order level ${order.id} needs a PRF with the PO number`,
    );
  return undefined;
}

function itemLine(item: Level, check: SetCheck): ShipLine | undefined {
  const lin = item.segments.find((s) => s.tag === 'LIN');
  const sn1 = item.segments.find((s) => s.tag === 'SN1');
  if (!lin || !sn1) {
    const tag = lin ? 'SN1' : 'LIN';
    check.segment(tag, item.hl.position, SEGMENT_CODES.missing, `item level ${item.id} needs a ${tag}`);
    return undefined;
  }
  const byQualifier = productIds(lin, 2).get('PL');
  let lineNumber: number | undefined;
  if (el(lin, 1) || !byQualifier) lineNumber = wholeNumber(check, lin, 1, "the PO's line number", { min: 1 });
  else if (/^\d+$/.test(byQualifier) && Number(byQualifier) > 0) lineNumber = Number(byQualifier);
  else
    check.element(
      lin,
      3,
      ELEMENT_CODES.invalidCharacter,
      `the PL line number ${byQualifier} is not a number`,
    );
  const quantity = wholeNumber(check, sn1, 2, 'the quantity shipped', { min: 1 });
  return lineNumber === undefined || quantity === undefined ? undefined : { lineNumber, quantity };
}

/** The tracking number of the nearest level above the item (or the item) that names one. */
function trackingOf(item: Level): string | undefined {
  for (let at: Level | undefined = item; at; at = at.parent) {
    const found = levelTracking(at);
    if (found) return found;
  }
  return undefined;
}

/** A carrier's package id first; an SSCC-18 (MAN GM) only when nothing else names the package. */
function levelTracking(level: Level): string | undefined {
  const value = (tag: string, qualifier: string) => {
    const segment = level.segments.find((s) => s.tag === tag && el(s, 1) === qualifier && el(s, 2));
    return segment && el(segment, 2);
  };
  return value('MAN', 'CP') || value('REF', 'CN') || value('MAN', 'GM') || undefined;
}

function sumLines(lines: ShipLine[]): ShipLine[] {
  const total = new Map<number, number>();
  for (const l of lines) total.set(l.lineNumber, (total.get(l.lineNumber) ?? 0) + l.quantity);
  return [...total].map(([lineNumber, quantity]) => ({ lineNumber, quantity }));
}
