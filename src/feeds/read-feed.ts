import { CsvError, Parser } from 'csv-parse';
import iconv from 'iconv-lite';
import { finished } from 'node:stream/promises';
import {
  CellProblem,
  RowReader,
  type Cell,
  type CsvFeedMapping,
  type FeedField,
  type FeedMapping,
  type FeedRow,
  type FeedRowError,
  type JsonFeedMapping,
} from './feed-mapping.ts';

export type { FeedMapping, FeedRow, FeedRowError } from './feed-mapping.ts';

/**
 * The file is not a feed in the mapping's format (a PDF, a spreadsheet, a web server's error page, unreadable CSV
 * or JSON, a header without a mapped column): nothing of it applies. `reason` says what it is instead.
 */
export class FeedRefused extends Error {
  readonly code = 'feed_refused';
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FeedRefused';
  }
}

/** The rows read from one stretch of the file, and the rows of it that failed. */
export interface FeedBatch {
  readonly rows: FeedRow[];
  readonly errors: FeedRowError[];
}

export interface ReadFeedOptions {
  /** Named in refusals ("prices.csv" is a PDF, not CSV). */
  readonly fileName?: string;
  /** Overrides MAX_JSON_BYTES. */
  readonly maxJsonBytes?: number;
}

/**
 * A JSON feed is parsed whole, and its parsed rows take some 3-5 times its size: past this it is refused, to keep a
 * feed import inside the 500 MB the hub allows itself (about 400,000 rows). CSV streams and has no limit.
 */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** Bytes looked at before parsing, and the size of the stretches a large buffer is parsed in. */
const SNIFF_BYTES = 4096;
const CHUNK_BYTES = 64 * 1024;
const JSON_BATCH_ROWS = 1000;

/**
 * A supplier's feed, read as it streams: one batch of rows and row errors per stretch of the file (about 64 KiB),
 * so that a million rows never sit in memory as strings. A row with any bad field is not among the rows; each of
 * its bad fields is among the errors.
 *
 * Row numbers are the ones the supplier sees. CSV: the row in a spreadsheet, the header being row 1 and blank lines
 * counted (the text line, unless a quoted value spans lines). JSON: the 1-based position in the rows array.
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
    const head = await peek(source);
    const format = mapping.format === 'csv' ? 'CSV' : 'JSON';
    const subject = options.fileName === undefined ? 'the file' : JSON.stringify(options.fileName);
    const encoding = encodingOf(head, mapping.format === 'csv' ? mapping.encoding : 'utf-8');
    const refusal = sniff(head, encoding);
    if (refusal !== undefined) throw new FeedRefused(`${subject} ${refusal}, not ${format}`);
    const bytes = replay(head, source);
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

// --- Sniffing -------------------------------------------------------------------------------------------------

const MAGIC: readonly [Buffer, string][] = [
  [Buffer.from('%PDF-'), 'is a PDF'],
  [Buffer.from('PK\x03\x04', 'latin1'), 'is a ZIP archive'],
  [Buffer.from('PK\x05\x06', 'latin1'), 'is a ZIP archive'],
  [Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'is an Excel 97-2003 (.xls) or other Office document'],
  [Buffer.from('1f8b', 'hex'), 'is gzip-compressed'],
];
const MARKUP: readonly [RegExp, string][] = [
  [/^<(!doctype html|html|head|body)\b/i, 'is an HTML page (a web server error page?)'],
  [/^<\?xml\b/i, 'is an XML document'],
];

/** What the file is when it is not text in its encoding, or undefined. */
function sniff(head: Buffer, encoding: string): string | undefined {
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

/** A byte order mark says the encoding whatever the mapping says (as the WHATWG Encoding Standard decodes). */
function encodingOf(head: Buffer, declared: string): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return declared;
}

function isUtf8(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding);
}

// --- Bytes ----------------------------------------------------------------------------------------------------

/** The input as Buffers of at most CHUNK_BYTES (views, not copies): one big buffer is still parsed in stretches. */
async function* stretches(input: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
  const all = input instanceof Uint8Array ? [input] : input;
  for await (const chunk of all) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a feed is read from bytes, not text');
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
  }
}

/** The first SNIFF_BYTES (fewer when the file is shorter), taken from the source. */
async function peek(source: AsyncIterator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < SNIFF_BYTES) {
    const next = await source.next();
    if (next.done) break;
    parts.push(next.value);
    size += next.value.length;
  }
  return Buffer.concat(parts, size);
}

async function* replay(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

// --- CSV ------------------------------------------------------------------------------------------------------

/**
 * CSV through csv-parse's stream parser, driven by hand: a stretch is written, the records it completed are read
 * back at once (no await per record), and they go out as one batch.
 */
async function* readCsv(
  bytes: AsyncIterable<Buffer>,
  mapping: CsvFeedMapping,
  encoding: string,
  subject: string,
): AsyncGenerator<FeedBatch> {
  const table = new CsvTable(mapping);
  const quote = mapping.quote === '' ? false : mapping.quote;
  const parser = new Parser({
    delimiter: mapping.delimiter,
    quote,
    escape: quote, // a quote inside a quoted value is doubled, whatever the quote character
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'], // mixed line ends too, not only the kind seen first
    skip_empty_lines: false, // an empty line comes as [''], so that it counts in the row numbers
    relax_column_count: true, // CsvTable judges short and long rows, per row
    relax_quotes: true, // a quote inside an unquoted value (12" monitor) is a character
  });
  parser.on('error', () => {}); // the write callback and `finished` receive it
  const decoder = isUtf8(encoding) ? undefined : iconv.getDecoder(encoding);
  try {
    for await (const chunk of bytes) {
      const batch = await records(parser, decoder ? Buffer.from(decoder.write(chunk)) : chunk, table);
      if (batch.rows.length + batch.errors.length > 0) yield batch;
    }
    const tail = decoder?.end();
    const last = await records(parser, tail ? Buffer.from(tail) : undefined, table);
    if (mapping.header && !table.hasHeader) throw new FeedRefused(`${subject} has no header row`);
    if (last.rows.length + last.errors.length > 0) yield last;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw new FeedRefused(`${subject} cannot be read on as CSV: ${error.message}`);
  } finally {
    parser.destroy();
  }
}

/**
 * Writes a stretch (or, given none, ends the input), and takes every record it completed. The parser's readable side
 * is read while the write is pending: a Transform holds its write callback until its buffered records are read.
 */
async function records(parser: Parser, chunk: Buffer | undefined, table: CsvTable): Promise<FeedBatch> {
  const batch: FeedBatch = { rows: [], errors: [] };
  const take = () => {
    for (let record = parser.read() as string[] | null; record !== null; record = parser.read())
      table.take(record, batch);
  };
  const written =
    chunk === undefined
      ? finished(parser.end(), { readable: false })
      : new Promise<void>((resolve, reject) => parser.write(chunk, (e) => (e ? reject(e) : resolve())));
  written.catch(() => {}); // handled below; take() may throw first
  take();
  await written;
  take();
  return batch;
}

/** The header and column positions of a CSV feed, and each data record turned into a row. */
class CsvTable {
  #index: Partial<Record<FeedField, number>> | undefined;
  #names: string[] = [];
  #width = -1;
  #records = 0;
  #record: string[] = [];
  readonly #reader: RowReader;

  constructor(private readonly mapping: CsvFeedMapping) {
    this.#reader = new RowReader(mapping, mapping.defaultCurrency, (f) => this.#columnName(f));
    if (!mapping.header) this.#index = this.#positions([]);
  }

  get hasHeader(): boolean {
    return this.#names.length > 0;
  }

  take(record: string[], batch: FeedBatch): void {
    const row = ++this.#records;
    const filled = filledWidth(record);
    if (filled === 0) return; // an empty line, or a blank row (;;;;) as spreadsheets export them
    if (this.#index === undefined) {
      this.#names = record.map((name) => name.trim());
      this.#width = record.length;
      this.#index = this.#positions(this.#names);
      return;
    }
    if (this.#width === -1) this.#width = record.length;
    this.#record = record;
    const found = this.#reader.read(row, this.#cell, batch.errors);
    const extra = filled - this.#width;
    if (extra > 0) {
      const of = this.mapping.header ? 'the header has' : 'the first row has';
      const hint = `is a value with ${JSON.stringify(this.mapping.delimiter)} not quoted?`;
      const reason = `has ${this.#width + extra} values where ${of} ${this.#width} columns: ${hint}`;
      batch.errors.push({ row, field: 'row', reason });
    } else if (found) batch.rows.push(found);
  }

  readonly #cell = (field: FeedField): Cell => {
    const at = this.#index![field];
    if (at === undefined) return undefined;
    if (at < this.#record.length) return this.#record[at];
    return new CellProblem(`the row has ${this.#record.length} columns: ${this.#shown(field)} is missing`);
  };

  /** Each mapped field's 0-based position; a name the header lacks refuses the file. */
  #positions(header: string[]): Partial<Record<FeedField, number>> {
    const index: Partial<Record<FeedField, number>> = {};
    const missing: string[] = [];
    const twice: string[] = [];
    for (const [field, column] of Object.entries(this.mapping.columns) as [FeedField, string | number][]) {
      if (column === undefined) continue;
      const at = typeof column === 'number' ? [column - 1] : findColumn(header, column);
      const named = `${this.#shown(field)} (${field})`;
      if (at.length > 1) twice.push(named);
      else if (this.mapping.header && (at.length === 0 || at[0]! >= header.length)) missing.push(named);
      index[field] = at[0];
    }
    if (missing.length > 0) throw new FeedRefused(`the header has no column ${missing.join(', ')}`);
    if (twice.length > 0) throw new FeedRefused(`the header has more than one column ${twice.join(', ')}`);
    return index;
  }

  /** Where a field is, for a row error's `column`: the header name, or "column 3". */
  #columnName(field: FeedField): string {
    const column = this.mapping.columns[field];
    return typeof column === 'number' ? `column ${column}` : `${column}`;
  }

  #shown(field: FeedField): string {
    const column = this.mapping.columns[field];
    return typeof column === 'number' ? `column ${column}` : JSON.stringify(column);
  }
}

/** The record's length without its empty cells at the end (a trailing delimiter is no column). */
function filledWidth(record: string[]): number {
  let width = record.length;
  while (width > 0 && record[width - 1]!.trim() === '') width--;
  return width;
}

/** The positions of a header name as mapped; failing that, of the names equal to it ignoring case. */
function findColumn(header: string[], name: string): number[] {
  const exact = header.flatMap((h, i) => (h === name ? [i] : []));
  if (exact.length > 0) return exact;
  const folded = name.toLowerCase();
  return header.flatMap((h, i) => (h.toLowerCase() === folded ? [i] : []));
}

// --- JSON -----------------------------------------------------------------------------------------------------

/** A JSON feed: parsed whole (up to `limit` bytes), its rows handed out in batches of JSON_BATCH_ROWS. */
async function* readJson(
  bytes: AsyncIterable<Buffer>,
  mapping: JsonFeedMapping,
  encoding: string,
  subject: string,
  limit: number,
): AsyncGenerator<FeedBatch> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of bytes) {
    size += chunk.length;
    if (size > limit) throw new FeedRefused(`${subject} is JSON larger than ${limit} bytes: send it as CSV`);
    parts.push(chunk);
  }
  let document: unknown;
  try {
    document = JSON.parse(iconv.decode(Buffer.concat(parts, size), encoding));
  } catch (error) {
    throw new FeedRefused(`${subject} is not valid JSON: ${(error as Error).message}`);
  }
  const list = valueAt(document, mapping.rows === '' ? [] : mapping.rows.split('.'));
  if (!Array.isArray(list))
    throw new FeedRefused(
      `${subject} has no array of rows at ${JSON.stringify(mapping.rows || '(the top)')}`,
    );
  const paths = Object.fromEntries(
    Object.entries(mapping.columns).map(([field, path]) => [field, path?.split('.')]),
  ) as Partial<Record<FeedField, string[]>>;
  const reader = new RowReader({ decimal: '.' }, mapping.defaultCurrency, (f) => `${mapping.columns[f]}`);
  let item: unknown;
  const cell = (field: FeedField): Cell => {
    const path = paths[field];
    return path === undefined ? undefined : jsonCell(valueAt(item, path));
  };
  for (let start = 0; start < list.length; start += JSON_BATCH_ROWS) {
    const batch: FeedBatch = { rows: [], errors: [] };
    for (let i = start; i < Math.min(start + JSON_BATCH_ROWS, list.length); i++) {
      item = list[i];
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        batch.errors.push({ row: i + 1, field: 'row', reason: `is ${describe(item)}, not an object` });
        continue;
      }
      const found = reader.read(i + 1, cell, batch.errors);
      if (found) batch.rows.push(found);
    }
    yield batch;
  }
}

/** A dotted path into a JSON value; a numeric step indexes an array. Only a value's own keys are followed. */
function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const step of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, step)) return undefined;
    at = (at as Record<string, unknown>)[step];
  }
  return at;
}

function jsonCell(value: unknown): Cell {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return new CellProblem(`is ${describe(value)}, not a value`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
