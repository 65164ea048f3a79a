import iconv from 'iconv-lite';

/** Bytes looked at before a feed is read. */
export const SNIFF_BYTES = 4096;

const ZIP_ENTRY = Buffer.from('PK\x03\x04', 'latin1');
const MAGIC: readonly [Buffer, string][] = [
  [Buffer.from('%PDF-'), 'is a PDF'],
  [ZIP_ENTRY, 'is a ZIP archive'],
  [Buffer.from('PK\x05\x06', 'latin1'), 'is a ZIP archive'],
  [Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'is an Excel 97-2003 (.xls) or other Office document'],
  [Buffer.from('1f8b', 'hex'), 'is gzip-compressed'],
];
const MARKUP: readonly [RegExp, string][] = [
  [/^<(!doctype html|html|head|body)\b/i, 'is an HTML page (a web server error page?)'],
  [/^<\?xml\b/i, 'is an XML document'],
];

/** What the file is when it is not text in its encoding ("is a PDF"), or undefined for text. */
export function sniff(head: Buffer, encoding: string): string | undefined {
  for (const [magic, what] of MAGIC) {
    if (!head.subarray(0, magic.length).equals(magic)) continue;
    const xlsx = what.includes('ZIP') && head.includes('[Content_Types].xml') && head.includes('xl/');
    return xlsx ? 'is an Excel workbook (.xlsx)' : what;
  }
  const text = iconv.decode(head, encoding).trimStart();
  if (text === '') return 'is empty';
  for (const [pattern, what] of MARKUP) if (pattern.test(text)) return what;
  if (text.includes('\0'))
    return 'has NUL bytes: it is binary, or text in an encoding the mapping does not name (UTF-16?)';
  return undefined;
}

/** Whether the file starts as a ZIP archive with something in it, as every .xlsx workbook does. */
export function isZip(head: Buffer): boolean {
  return head.subarray(0, ZIP_ENTRY.length).equals(ZIP_ENTRY);
}

/** A byte order mark says the encoding whatever the mapping says (as the WHATWG Encoding Standard decodes). */
export function encodingOf(head: Buffer, declared: string): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return declared;
}
