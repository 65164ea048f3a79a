import { addressLines, startPdf } from './pdf-page.ts';

/** What a blind packing slip shows: the retailer's, the customer's and the goods. Never a price, never the supplier. */
export interface PackingSlip {
  retailer: { name: string; returnAddress: SlipAddress | null; logo: Buffer | null };
  /** The customer's own reference: the order number their store showed them. */
  orderReference: string;
  placedAt: Date;
  shipTo: SlipAddress;
  lines: { sku: string; title: string | null; quantity: number }[];
}

export interface SlipAddress {
  name?: string | undefined;
  line1: string;
  line2?: string | undefined;
  city: string;
  region?: string | undefined;
  postalCode: string;
  country: string;
}

/** North America prints on Letter, everyone else on A4. */
const LETTER_COUNTRIES = new Set(['US', 'CA', 'MX']);

/** The slip as a one-page (or more, for long orders) PDF, made with PDFKit. */
export async function renderPackingSlip(slip: PackingSlip): Promise<Buffer> {
  const { doc, regular, bold, text, left, width, finish } = await startPdf({
    size: LETTER_COUNTRIES.has(slip.shipTo.country) ? 'LETTER' : 'A4',
    title: `Packing slip ${slip.orderReference}`,
    author: slip.retailer.name,
  });

  // The retailer: logo, name and return address, top left, as if the parcel came from the store itself.
  let top = doc.y;
  if (slip.retailer.logo) {
    doc.image(slip.retailer.logo, left, top, { fit: [140, 60] });
    top += 70;
  }
  doc.font(bold).fontSize(16).text(text(slip.retailer.name), left, top);
  doc.font(regular).fontSize(9);
  if (slip.retailer.returnAddress) doc.text(text(addressLines(slip.retailer.returnAddress).join('\n')));

  doc.moveDown(1.5);
  doc.font(bold).fontSize(20).text('Packing slip');
  doc.font(regular).fontSize(10);
  doc.text(text(`Order ${slip.orderReference}`));
  doc.text(`Placed ${slip.placedAt.toISOString().slice(0, 10)}`);

  doc.moveDown(1);
  doc.font(bold).fontSize(11).text('Ship to');
  doc
    .font(regular)
    .fontSize(10)
    .text(text(addressLines(slip.shipTo).join('\n')));

  // The goods: what is in the parcel and how many, nothing of what they cost.
  doc.moveDown(1.5);
  const columns = { sku: left, item: left + 130, quantity: left + width - 60 };
  const header = doc.y;
  doc.font(bold).fontSize(10);
  doc.text('SKU', columns.sku, header);
  doc.text('Item', columns.item, header);
  doc.text('Quantity', columns.quantity, header, { width: 60, align: 'right' });
  doc
    .moveTo(left, doc.y + 2)
    .lineTo(left + width, doc.y + 2)
    .stroke();
  doc.font(regular);
  for (const line of slip.lines) {
    const y = doc.y + 6;
    doc.text(text(line.sku), columns.sku, y, { width: 125 });
    const afterSku = doc.y;
    doc.text(text(line.title ?? ''), columns.item, y, { width: columns.quantity - columns.item - 10 });
    const afterItem = doc.y;
    doc.text(String(line.quantity), columns.quantity, y, { width: 60, align: 'right' });
    doc.y = Math.max(afterSku, afterItem, doc.y);
  }
  doc.moveDown(2);
  doc
    .fontSize(9)
    .text(
      text(`Questions or a return? Contact ${slip.retailer.name}, quoting order ${slip.orderReference}.`),
      left,
    );
  return finish();
}
