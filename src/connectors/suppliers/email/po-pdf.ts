import { formatMoney, money } from '../../../domain/money.ts';
import type { PurchaseOrderMessage } from '../supplier-transport.ts';
import { addressLines, startPdf } from '../../../infra/pdf-page.ts';

/** The PO as a PDF to print or file: the retailer's, the lines with quantities and unit costs, and the ship-to. */
export async function renderPurchaseOrderPdf(po: PurchaseOrderMessage): Promise<Buffer> {
  const { doc, regular, bold, text, left, width, finish } = await startPdf({
    size: 'A4',
    title: `Purchase order ${po.poNumber}`,
    author: po.brand,
    createdAt: po.createdAt,
  });

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
    .text(text(addressLines(po.shipTo, { phone: true }).join('\n')));

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
  return finish();
}
