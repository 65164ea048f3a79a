import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { addressLines } from '../../../infra/pdf-page.ts';
import { formatMoney, money, toDecimalString } from '../../../domain/money.ts';
import type { PurchaseOrderCancelMessage, PurchaseOrderMessage } from '../supplier-transport.ts';

// Waybill's PO ⇄ an email (RFC 5322, with MIME parts per RFC 2045-2049): what the supplier's staff read, and the
// attachments their systems import. The layout is described in docs/email-transport.md.

/** One email, ready for nodemailer: its parts, its attachments, and a Message-ID that is the same on a resend. */
export interface OutgoingMail {
  messageId: string;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: Buffer | string; contentType: string }[];
  /** Set on every Waybill email, so a supplier's mail rules and the simulator can tell them apart. */
  headers: { 'X-Waybill-PO': string; 'X-Waybill-Type': 'purchase-order' | 'purchase-order-cancel' };
}

/** The CSV attachment's columns, one row per PO line (unit cost as a decimal in the PO's currency). */
export const CSV_COLUMNS = ['line', 'supplier_sku', 'sku', 'quantity', 'unit_cost', 'currency'] as const;

/**
 * `<PO-1.9f2c…@retailer.example>`: the PO number and a hash of what the message says (not of the link, which is
 * new on every send), at the sender's domain. A resend after a timeout carries the same id, so the supplier's mail
 * system and people can see it is the same message, not a second order.
 */
export function stableMessageId(
  kind: string,
  poNumber: string,
  content: unknown,
  fromAddress: string,
): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([kind, poNumber, content]))
    .digest('hex');
  const left = poNumber.replace(/[^A-Za-z0-9-]/g, '_');
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  return `<${left}.${kind === 'po' ? '' : `${kind}.`}${hash.slice(0, 32)}@${domain}>`;
}

/** The PO as the supplier's order desk reads it: lines, quantities, unit costs, ship-to, and the link to answer. */
export function purchaseOrderMail(
  po: PurchaseOrderMessage,
  link: string,
  fromAddress: string,
  pdf: Buffer,
): OutgoingMail {
  const lines = po.lines.map((l) => ({
    ...l,
    cost: formatMoney(money(l.unitCost, po.currency)),
  }));
  const total = formatMoney(
    money(
      po.lines.reduce((sum, l) => sum + l.unitCost * l.quantity, 0),
      po.currency,
    ),
  );
  const date = po.createdAt.toISOString().slice(0, 10);
  const text = [
    `Purchase order ${po.poNumber} from ${po.brand}, ${date}`,
    '',
    ...lines.map(
      (l) => `${l.lineNumber}. ${l.supplierSku} (our SKU ${l.sku}): ${l.quantity} at ${l.cost} each`,
    ),
    `Total: ${total}`,
    '',
    'Ship to:',
    ...addressLines(po.shipTo, { phone: true }),
    '',
    'What to do: open the link to acknowledge and ship this order (accept or reject each line, then add the',
    `carrier and tracking number). It signs you in to ${po.brand}'s supplier portal and works for 14 days.`,
    link,
    '',
    `Ship blind, in ${po.brand}'s name, with the packing slip printed from the portal: no prices in the parcel.`,
    `This order is attached as a PDF and as CSV (columns: ${CSV_COLUMNS.join(', ')}).`,
  ].join('\n');
  const rows = lines
    .map(
      (l) =>
        `<tr><td>${l.lineNumber}</td><td>${esc(l.supplierSku)}</td><td>${esc(l.sku)}</td><td style="text-align:right">${l.quantity}</td><td style="text-align:right">${esc(l.cost)}</td></tr>`,
    )
    .join('');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<h1 style="font-size:1.3em">Purchase order ${esc(po.poNumber)} from ${esc(po.brand)}</h1>
<p>Ordered ${date}.</p>
<table cellpadding="4" style="border-collapse:collapse">
<thead><tr><th>Line</th><th>Supplier SKU</th><th>SKU</th><th>Quantity</th><th>Unit cost</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><td colspan="4">Total</td><td style="text-align:right">${esc(total)}</td></tr></tfoot>
</table>
<h2 style="font-size:1.1em">Ship to</h2>
<p>${addressLines(po.shipTo, { phone: true }).map(esc).join('<br>')}</p>
<p><strong>What to do:</strong> <a href="${esc(link)}">open this order to acknowledge and ship it</a> (accept or
reject each line, then add the carrier and tracking number). The link signs you in to ${esc(po.brand)}'s supplier
portal and works for 14 days.</p>
<p>Ship blind, in ${esc(po.brand)}'s name, with the packing slip printed from the portal: no prices in the parcel.
This order is attached as a PDF and as CSV.</p>
</body></html>`;
  const file = po.poNumber.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    messageId: stableMessageId('po', po.poNumber, contentOf(po), fromAddress),
    subject: `Purchase order ${po.poNumber} from ${po.brand}`,
    text,
    html,
    attachments: [
      { filename: `${file}.pdf`, content: pdf, contentType: 'application/pdf' },
      { filename: `${file}.csv`, content: linesCsv(po), contentType: 'text/csv; charset=utf-8' },
    ],
    headers: { 'X-Waybill-PO': po.poNumber, 'X-Waybill-Type': 'purchase-order' },
  };
}

/** The withdrawal: do not ship this PO. The portal shows it cancelled already and takes no answer on it. */
export function cancelMail(message: PurchaseOrderCancelMessage, fromAddress: string): OutgoingMail {
  const when = message.cancelledAt.toISOString().slice(0, 10);
  const text = [
    `Purchase order ${message.poNumber} is cancelled (${when}): please do not ship it.`,
    '',
    `Why: ${message.reason}`,
    '',
    'If it has already left, reply to this email with the carrier and tracking number.',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<h1 style="font-size:1.3em">Purchase order ${esc(message.poNumber)} is cancelled</h1>
<p>Cancelled ${when}: <strong>please do not ship it.</strong></p>
<p>Why: ${esc(message.reason)}</p>
<p>If it has already left, reply to this email with the carrier and tracking number.</p>
</body></html>`;
  return {
    messageId: stableMessageId('cancel', message.poNumber, cancelContentOf(message), fromAddress),
    subject: `Cancelled: purchase order ${message.poNumber}`,
    text,
    html,
    attachments: [],
    headers: { 'X-Waybill-PO': message.poNumber, 'X-Waybill-Type': 'purchase-order-cancel' },
  };
}

/** One row per line, with a header row; unit cost as a decimal in the PO's currency (450 USD → 4.50). */
export function linesCsv(po: PurchaseOrderMessage): string {
  return stringify(
    po.lines.map((l) => [
      l.lineNumber,
      l.supplierSku,
      l.sku,
      l.quantity,
      toDecimalString(money(l.unitCost, po.currency)),
      po.currency,
    ]),
    { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' },
  );
}

/** What a PO says, in a fixed order: the Message-ID's hash input. */
function contentOf(po: PurchaseOrderMessage): unknown {
  const a = po.shipTo;
  return [
    po.orderId,
    po.currency,
    po.createdAt.toISOString(),
    po.brand,
    [a.name, a.line1, a.line2, a.city, a.region, a.postalCode, a.country, a.phone],
    po.lines.map((l) => [l.lineNumber, l.supplierSku, l.sku, l.quantity, l.unitCost]),
  ];
}

function cancelContentOf(message: PurchaseOrderCancelMessage): unknown {
  return [message.orderId, message.reason, message.cancelledAt.toISOString()];
}

function esc(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
