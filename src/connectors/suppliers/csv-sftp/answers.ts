import { CellProblem, quoted } from '../../../feeds/cell-values.ts';
import type { SupplierAnswers } from '../supplier-transport.ts';
import type { AckFileSettings, AckStatus, ShipmentFileSettings } from './credentials.ts';
import { rowErrorsReason, Table, TableRefused } from './table.ts';

type Acknowledgement = SupplierAnswers['acknowledgements'][number];
type Shipment = SupplierAnswers['shipments'][number];

const ACK_FIELDS = ['poNumber', 'lineNumber', 'status', 'reason', 'availableOn'] as const;
const SHIPMENT_FIELDS = [
  'poNumber',
  'lineNumber',
  'quantity',
  'carrier',
  'trackingNumber',
  'shippedAt',
] as const;

/** As the supplier API takes them (src/http/schemas.ts): a carrier's name, a tracking number, a reason. */
const PO_NUMBER_MAX = 100;
const CARRIER_MAX = 50;
const REASON_MAX = 500;
const TRACKING = /^[A-Za-z0-9-]{4,40}$/;

/**
 * An acknowledgement file: one row per PO line (PO number, line number, the supplier's status word, a reason, the
 * day a backordered line is expected), grouped into one acknowledgement per PO, its lines in the file's order.
 * Throws TableRefused when the file cannot be read, or naming every failing row.
 *
 * @example readAcknowledgements(Buffer.from('PO Number,Line Number,Status\nPO-1,1,accepted\n'), settings, '"ACK_1.csv"')
 *   // [{ poNumber: 'PO-1', lines: [{ lineNumber: 1, status: 'accepted' }] }]
 */
export function readAcknowledgements(
  bytes: Buffer,
  settings: AckFileSettings,
  subject: string,
): Acknowledgement[] {
  const table = new Table(bytes, settings, ACK_FIELDS, subject);
  const words = new Map(
    Object.entries(settings.statusValues).map(([word, s]) => [word.trim().toLowerCase(), s]),
  );
  const statusOf = (text: string): AckStatus | CellProblem =>
    words.get(text.toLowerCase()) ??
    new CellProblem(
      `${quoted(text)} is none of the status words ${[...words.keys()].map((w) => quoted(w)).join(', ')}`,
    );
  const byPo = new Map<string, Acknowledgement>();
  const seen = new Map<string, number>();
  for (const row of table.rows) {
    const poNumber = row.required('poNumber', table.text(PO_NUMBER_MAX));
    const lineNumber = row.required('lineNumber', table.count);
    const status = row.required('status', statusOf);
    const reason = row.optional('reason', table.text(REASON_MAX));
    const availableOn = row.optional('availableOn', table.day);
    if (status === 'backordered' && row.blank('availableOn'))
      row.fail('availableOn', 'is empty: a backordered line needs the day it is expected');
    if (poNumber === undefined || lineNumber === undefined || status === undefined) continue;
    const key = `${poNumber}\n${lineNumber}`;
    const before = seen.get(key);
    if (before !== undefined) {
      row.fail('lineNumber', `line ${lineNumber} of ${poNumber} is acknowledged in row ${before} already`);
      continue;
    }
    seen.set(key, row.row);
    const ack = byPo.get(poNumber) ?? { poNumber, lines: [] };
    byPo.set(poNumber, ack);
    ack.lines.push({
      lineNumber,
      status,
      ...(reason !== undefined && { reason }),
      ...(availableOn !== undefined && { availableOn }),
    });
  }
  if (table.errors.length > 0) throw new TableRefused(`${subject}: ${rowErrorsReason(table.errors)}`);
  return [...byPo.values()];
}

/**
 * A shipment file: one row per PO line shipped (PO number, line number, quantity, carrier, tracking number, when),
 * grouped into one shipment per PO and tracking number; a line named twice in one parcel is added up. The rows of
 * one parcel must agree on its carrier and time. Throws TableRefused when the file cannot be read, or naming every
 * failing row.
 *
 * @example readShipments(bytes, settings, '"ASN_1.csv"')
 *   // [{ poNumber: 'PO-1', carrier: 'UPS', trackingNumber: '1Z…', lines: [{ lineNumber: 1, quantity: 2 }] }]
 */
export function readShipments(bytes: Buffer, settings: ShipmentFileSettings, subject: string): Shipment[] {
  const table = new Table(bytes, settings, SHIPMENT_FIELDS, subject);
  const tracking = (text: string): string | CellProblem => {
    const plain = text.replace(/\s+/g, '');
    return TRACKING.test(plain)
      ? plain
      : new CellProblem(`${quoted(text)} is not 4–40 letters, digits or dashes`);
  };
  const parcels = new Map<string, Shipment & { row: number }>();
  for (const row of table.rows) {
    const poNumber = row.required('poNumber', table.text(PO_NUMBER_MAX));
    const lineNumber = row.required('lineNumber', table.count);
    const quantity = row.required('quantity', table.count);
    const carrier = row.required('carrier', table.text(CARRIER_MAX));
    const trackingNumber = row.required('trackingNumber', tracking);
    const shippedAt = row.optional('shippedAt', table.instant);
    if (
      poNumber === undefined ||
      lineNumber === undefined ||
      quantity === undefined ||
      carrier === undefined ||
      trackingNumber === undefined
    )
      continue;
    const key = `${poNumber}\n${trackingNumber}`;
    const parcel = parcels.get(key);
    if (!parcel) {
      parcels.set(key, {
        row: row.row,
        poNumber,
        carrier,
        trackingNumber,
        ...(shippedAt !== undefined && { shippedAt }),
        lines: [{ lineNumber, quantity }],
      });
      continue;
    }
    const first = `row ${parcel.row} of the same PO and tracking number`;
    if (carrier !== parcel.carrier)
      row.fail('carrier', `is ${quoted(carrier)} where ${first} says ${quoted(parcel.carrier)}`);
    if (
      shippedAt !== undefined &&
      shippedAt.getTime() !== (parcel.shippedAt?.getTime() ?? shippedAt.getTime())
    )
      row.fail(
        'shippedAt',
        `is ${shippedAt.toISOString()} where ${first} says ${parcel.shippedAt!.toISOString()}`,
      );
    parcel.shippedAt ??= shippedAt;
    const line = parcel.lines.find((l) => l.lineNumber === lineNumber);
    if (line) line.quantity += quantity;
    else parcel.lines.push({ lineNumber, quantity });
  }
  if (table.errors.length > 0) throw new TableRefused(`${subject}: ${rowErrorsReason(table.errors)}`);
  return [...parcels.values()].map(({ row: _row, shippedAt, ...parcel }) =>
    shippedAt === undefined ? parcel : { ...parcel, shippedAt },
  );
}
