import { existsSync } from 'node:fs';
import { formatMoney, money } from '../../../domain/money.ts';
import type { PurchaseOrderMessage } from '../supplier-transport.ts';
import { addressLines } from './map.ts';

/** Debian's DejaVu (fonts-dejavu-core) where present, so any name prints; else Helvetica, Latin-1 only. */
const REGULAR = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'].find((path) => existsSync(path));
const BOLD = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'].find((path) => existsSync(path));

/** The PO as a PDF to print or file: the retailer's, the lines with quantities and unit costs, and the ship-to. */
export async function renderPurchaseOrderPdf(po: PurchaseOrderMessage): Promise<Buffer> {
  // Loaded at the first PO email, as the packing slip does: a process that sends none never loads PDFKit.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Purchase order ${po.poNumber}`, Author: po.brand, CreationDate: po.createdAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const regular = REGULAR ?? 'Helvetica';
  const bold = BOLD ?? 'Helvetica-Bold';
  const text = (value: string) => (REGULAR ? value : value.replace(/[^\x20-\xff]/g, '?'));
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;

  doc.font(bold).fontSize(16).text(text(po.brand));
  doc.moveDown(1);
  doc
    .font(bold)
    .fontSize(20)
    .text(text(`Purchase order ${po.poNumber}`));
  doc
    .font(regular)
    .fontSize(10)
    .text(`Ordered ${po.createdAt.toISOString().slice(0, 10)}`);
  doc.moveDown(1);
  doc.font(bold).fontSize(11).text('Ship to');
  doc
    .font(regular)
    .fontSize(10)
    .text(text(addressLines(po.shipTo).join('\n')));

  doc.moveDown(1.5);
  const col = { line: left, supplierSku: left + 35, sku: left + 175, quantity: left + 315, cost: left + 385 };
  const header = doc.y;
  doc.font(bold).fontSize(10);
  doc.text('Line', col.line, header);
  doc.text('Supplier SKU', col.supplierSku, header);
  doc.text('SKU', col.sku, header);
  doc.text('Quantity', col.quantity, header, { width: 60, align: 'right' });
  doc.text('Unit cost', col.cost, header, { width: left + width - col.cost, align: 'right' });
  doc
    .moveTo(left, doc.y + 2)
    .lineTo(left + width, doc.y + 2)
    .stroke();
  doc.font(regular);
  for (const line of po.lines) {
    const y = doc.y + 6;
    doc.text(String(line.lineNumber), col.line, y);
    doc.text(text(line.supplierSku), col.supplierSku, y, { width: 135 });
    const afterSupplierSku = doc.y;
    doc.text(text(line.sku), col.sku, y, { width: 135 });
    const afterSku = doc.y;
    doc.text(String(line.quantity), col.quantity, y, { width: 60, align: 'right' });
    doc.text(formatMoney(money(line.unitCost, po.currency)), col.cost, y, {
      width: left + width - col.cost,
      align: 'right',
    });
    doc.y = Math.max(afterSupplierSku, afterSku, doc.y);
  }
  doc.moveDown(2);
  doc
    .fontSize(9)
    .text(
      text(
        `Acknowledge and ship this order through the link in its email. Ship blind, in ${po.brand}'s name, with the packing slip from the portal.`,
      ),
      left,
    );
  doc.end();
  return done;
}
