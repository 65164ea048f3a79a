import { peek, replay, stretches } from './bytes.ts';
import { readCsv } from './csv.ts';
import type { FeedBatch, FeedMapping, FeedRow, FeedRowError } from './feed-mapping.ts';
import { FeedRefused } from './feed-refused.ts';
import { readJson } from './json.ts';
import { encodingOf, isZip, sniff, SNIFF_BYTES } from './sniff.ts';
import { readXlsx } from './xlsx.ts';

export type { FeedBatch, FeedMapping, FeedRow, FeedRowError } from './feed-mapping.ts';
export { FeedRefused } from './feed-refused.ts';

export interface ReadFeedOptions {
  /** Named in refusals ("prices.csv" is a PDF, not CSV). */
  readonly fileName?: string;
  /** Overrides MAX_JSON_BYTES. */
  readonly maxJsonBytes?: number;
  /** Overrides MAX_XLSX_BYTES. */
  readonly maxXlsxBytes?: number;
}

/**
 * A JSON feed is parsed whole, and its parsed rows take some 3-5 times its size: past this it is refused, to keep a
 * feed import inside the 500 MB the hub allows itself (about 400,000 rows). CSV streams and has no limit.
 */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/**
 * A workbook is unzipped and parsed whole too: 6 MiB holds some 130,000 rows of a dozen columns, which take about
 * 400 MB once read. (read-excel-file also fails past some 200,000 rows: see xlsx.ts.)
 */
export const MAX_XLSX_BYTES = 6 * 1024 * 1024;

const FORMAT_NAMES = { csv: 'CSV', json: 'JSON', xlsx: 'XLSX' } as const;

/**
 * A supplier's feed, read as it streams: one batch of rows and row errors per stretch of the file (about 64 KiB),
 * so that a million rows never sit in memory as strings. A row with any bad field is not among the rows; each of
 * its bad fields is among the errors.
 *
 * Row numbers are the ones the supplier sees. CSV: the row in a spreadsheet, the header being row 1 and blank lines
 * counted (the text line, unless a quoted value spans lines). JSON: the 1-based position in the rows array. XLSX:
 * the sheet's row number.
 *
 * Throws FeedRefused before the first batch when the content is not what the mapping says (sniffed from the first
 * bytes), the header lacks a mapped column or a JSON document has no rows array; and may throw it later, when the
 * CSV breaks (a quote never closed): apply a feed only once every batch has come.
 *
 * @example for await (const batch of readFeed(createReadStream(path), mapping, { fileName: 'stock.csv' })) …
 */
export async function* readFeed(
  input: AsyncIterable<Uint8Array> | Uint8Array,
  mapping: FeedMapping,
  options: ReadFeedOptions = {},
): AsyncGenerator<FeedBatch, void, undefined> {
  const source = stretches(input)[Symbol.asyncIterator]();
  try {
    const head = await peek(source, SNIFF_BYTES);
    const subject = options.fileName === undefined ? 'the file' : JSON.stringify(options.fileName);
    const refused = (what: string) =>
      new FeedRefused(`${subject} ${what}, not ${FORMAT_NAMES[mapping.format]}`);
    const bytes = replay(head, source);
    if (mapping.format === 'xlsx') {
      if (!isZip(head)) throw refused(sniff(head, 'utf-8') ?? 'is text');
      yield* readXlsx(bytes, mapping, subject, options.maxXlsxBytes ?? MAX_XLSX_BYTES);
      return;
    }
    const encoding = encodingOf(head, mapping.format === 'csv' ? mapping.encoding : 'utf-8');
    const what = sniff(head, encoding);
    if (what !== undefined) throw refused(what);
    if (mapping.format === 'csv') yield* readCsv(bytes, mapping, encoding, subject);
    else yield* readJson(bytes, mapping, encoding, subject, options.maxJsonBytes ?? MAX_JSON_BYTES);
  } finally {
    await source.return(undefined);
  }
}

/** Every row and every error at once: for tests and small files. */
export async function readFeedAll(
  input: AsyncIterable<Uint8Array> | Uint8Array,
  mapping: FeedMapping,
  options: ReadFeedOptions = {},
): Promise<{ rows: FeedRow[]; errors: FeedRowError[] }> {
  const rows: FeedRow[] = [];
  const errors: FeedRowError[] = [];
  for await (const batch of readFeed(input, mapping, options)) {
    for (const r of batch.rows) rows.push(r);
    for (const e of batch.errors) errors.push(e);
  }
  return { rows, errors };
}
