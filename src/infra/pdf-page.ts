import { existsSync } from 'node:fs';

/**
 * A Unicode font where the system has one (Debian's fonts-dejavu-core), so a name like Łukasz or 王 prints as written;
 * else PDF's standard Helvetica, which holds Latin-1 only (other letters print as "?").
 */
const UNICODE_FONT = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'].find((path) => existsSync(path));
const UNICODE_BOLD = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'].find((path) =>
  existsSync(path),
);

/** A PDF being written, with the fonts to write it in and its bytes once ended. */
export interface PdfPage {
  doc: PDFKit.PDFDocument;
  regular: string;
  bold: string;
  /** The text as the chosen font can print it. */
  text(value: string): string;
  /** Where the page's text starts, and how wide it runs. */
  left: number;
  width: number;
  /** Ends the document; its bytes. */
  finish(): Promise<Buffer>;
}

/**
 * A new PDF (PDFKit) in the best font the system has: the packing slip's and the purchase order's. PDFKit and its
 * fonts (18 MB) are loaded when the first is made: a process that makes none never loads them.
 *
 * @example
 * const pdf = await startPdf({ size: 'A4', title: 'Purchase order PO-1', author: 'Demo Retailer' });
 * pdf.doc.font(pdf.bold).text(pdf.text('Łukasz'));
 * const bytes = await pdf.finish();
 */
export async function startPdf(info: {
  size: 'A4' | 'LETTER';
  title: string;
  author: string;
  createdAt?: Date | undefined;
}): Promise<PdfPage> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: info.size,
    margin: 50,
    info: {
      Title: info.title,
      Author: info.author,
      ...(info.createdAt && { CreationDate: info.createdAt }),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  return {
    doc,
    regular: UNICODE_FONT ?? 'Helvetica',
    bold: UNICODE_BOLD ?? 'Helvetica-Bold',
    text: (value) => (UNICODE_FONT ? value : value.replace(/[^\x20-\xff]/g, '?')),
    left,
    width: doc.page.width - left - doc.page.margins.right,
    finish: () => {
      doc.end();
      return done;
    },
  };
}

/** An address as printed on a label or a document: name, street lines, "postal code city region", country. */
export function addressLines(
  address: {
    name?: string | null | undefined;
    line1: string;
    line2?: string | null | undefined;
    postalCode?: string | null | undefined;
    city: string;
    region?: string | null | undefined;
    country: string;
    phone?: string | null | undefined;
  },
  { phone = false }: { phone?: boolean } = {},
): string[] {
  return [
    address.name,
    address.line1,
    address.line2,
    [address.postalCode, address.city, address.region].filter(Boolean).join(' '),
    address.country,
    phone && address.phone && `Phone ${address.phone}`,
  ].filter((line): line is string => Boolean(line));
}
