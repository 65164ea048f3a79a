import { money, toDecimalString } from '../../../domain/money.ts';
import type {
  PurchaseOrderCancelMessage,
  PurchaseOrderMessage,
  SupplierAnswers,
} from '../supplier-transport.ts';
import type { EdiX12Config } from './credentials.ts';
import type { Partners } from './x12/envelope.ts';
import type { Delimiters, Segment } from './x12/interchange.ts';
import type { Documents } from './x12/read-file.ts';

// Waybill's documents ⇄ X12 004010, as docs/edi-x12.md describes them (segments, codes, and the public guides).

/** The partner's envelope settings from the transport's config (GS codes default to the ISA ids). */
export function partnersOf(config: EdiX12Config): Partners {
  return {
    us: {
      qualifier: config.interchangeIdQualifier,
      id: config.interchangeId,
      application: config.applicationCode ?? config.interchangeId,
    },
    them: {
      qualifier: config.partnerIdQualifier,
      id: config.partnerId,
      application: config.partnerApplicationCode ?? config.partnerId,
    },
    usage: config.usageIndicator,
    ackRequested: config.interchangeAckRequested,
    delimiters: {
      element: config.elementSeparator,
      segment: config.segmentTerminator,
      component: config.componentSeparator,
    },
    newline: config.newlineAfterSegment,
  };
}

/** File names: stable per document, so a resend replaces the file it repeats. */
export const fileNames = {
  purchaseOrder: (poNumber: string, isa13: string) => `${poNumber}.850.${isa13}.edi`,
  cancel: (poNumber: string, isa13: string) => `${poNumber}.860.${isa13}.edi`,
  functionalAck: (isa13: string) => `997.${isa13}.edi`,
};

export const isa13 = (controlNumber: number) => String(controlNumber).padStart(9, '0');

const seg = (tag: string, ...elements: string[]): Segment => ({ tag, elements });

/** CCYYMMDD of an instant, in UTC. */
const ymd = (at: Date) => at.toISOString().slice(0, 10).replace(/-/g, '');

/**
 * The 850's segments (between ST and SE): BEG 00 SA, CUR when not USD, REF CO (Waybill's order), N1 BY (the brand
 * on the packing slip), N1 ST with N3/N4 (and PER TE with the phone), a PO1 per line (EA, unit price as a decimal,
 * BP Waybill's SKU, VP the supplier's), CTT with the count of lines.
 */
export function purchaseOrder850(po: PurchaseOrderMessage, d: Delimiters): Segment[] {
  const text = (value: string | undefined, max: number) => plainText(value ?? '', max, d);
  const to = po.shipTo;
  const region = text(to.region, 2);
  return [
    seg('BEG', '00', 'SA', po.poNumber, '', ymd(po.createdAt)),
    ...(po.currency !== 'USD' ? [seg('CUR', 'BY', po.currency)] : []),
    seg('REF', 'CO', po.orderId),
    seg('N1', 'BY', text(po.brand, 60)),
    seg('N1', 'ST', text(to.name, 60)),
    seg('N3', text(to.line1, 55), text(to.line2, 55)),
    seg(
      'N4',
      text(to.city, 30),
      region.length === 2 ? region : '',
      text(to.postalCode, 15),
      text(to.country, 3),
    ),
    ...(to.phone ? [seg('PER', 'IC', '', 'TE', text(to.phone, 80))] : []),
    ...po.lines.map((l) =>
      seg(
        'PO1',
        String(l.lineNumber),
        String(l.quantity),
        'EA',
        toDecimalString(money(l.unitCost, po.currency)),
        '',
        'BP',
        l.sku,
        'VP',
        l.supplierSku,
      ),
    ),
    seg('CTT', String(po.lines.length)),
  ];
}

/**
 * The 860's segments: BCH 01 (cancellation) SA with the PO number, the date in BCH06 and BCH11 (the cancel's: the
 * message carries no PO date), and the reason as N9 L1 + MSG for the supplier's staff.
 */
export function cancel860(message: PurchaseOrderCancelMessage, d: Delimiters): Segment[] {
  // BCH06 is the PO's date, BCH11 the date of the change.
  const date = ymd(message.cancelledAt);
  return [
    seg(
      'BCH',
      '01',
      'SA',
      message.poNumber,
      '',
      '',
      ymd(message.poCreatedAt ?? message.cancelledAt),
      '',
      '',
      '',
      '',
      date,
    ),
    seg('REF', 'CO', message.orderId),
    seg('N9', 'L1', 'CANCEL REASON'),
    seg('MSG', plainText(message.reason, 264, d)),
  ];
}

/**
 * Free text (names, addresses, reasons) as an X12 element: accents dropped to plain ASCII (partners' translators
 * seldom read more), the partner's delimiters and control characters turned into spaces, cut to the element's size.
 */
export function plainText(value: string, max: number, d: Delimiters): string {
  const ascii = value.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  let out = '';
  for (const c of ascii)
    out += c === d.element || c === d.segment || c === d.component || c < ' ' || c > '~' ? ' ' : c;
  return out.replace(/\s+/g, ' ').trim().slice(0, max).trim();
}

/** The documents of a file as the transport interface has them. */
export function toAnswers(documents: Documents): SupplierAnswers {
  return {
    // A whole-PO answer (BAK02 AK or RJ with no lines) names no line: Waybill gives it to every line of the PO.
    acknowledgements: documents.acknowledgements.map(({ poNumber, lines, whole }) => ({
      poNumber,
      lines,
      ...(whole !== undefined && lines.length === 0 && { whole }),
    })),
    shipments: documents.shipments,
    ...(documents.invoices.length > 0 && { invoices: documents.invoices }),
    ...(documents.inventory.length > 0 && { inventory: documents.inventory }),
    ...(documents.receipts.length > 0 && { receipts: documents.receipts }),
  };
}
