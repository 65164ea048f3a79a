import iconv from 'iconv-lite';
import { StringDecoder } from 'node:string_decoder';
import type { Cell } from './cell-values.ts';
import { CellProblem } from './cell-values.ts';
import { columnPositions, type Column } from './columns.ts';
import { CsvTokenizer, UnclosedQuote } from './csv-tokenizer.ts';
import { FEED_FIELDS, type CsvFeedMapping, type FeedBatch } from './feed-mapping.ts';
import { FeedRefused } from './feed-refused.ts';
import { RowReader } from './row-reader.ts';

/**
 * A CSV feed, read as it streams: each stretch of bytes is decoded, split into records and read into rows, and the
 * rows it completed go out as one batch. Row numbers count records (see readFeed).
 */
export async function* readCsv(
  bytes: AsyncIterable<Buffer>,
  mapping: CsvFeedMapping,
  encoding: string,
  subject: string,
): AsyncGenerator<FeedBatch> {
  const table = new CsvTable(mapping);
  const tokenizer = new CsvTokenizer(mapping);
  const decoder = textDecoder(encoding);
  let batch: FeedBatch = { rows: [], errors: [] };
  const take = (values: string[]) => table.take(values, batch);
  try {
    for await (const chunk of bytes) {
      tokenizer.write(decoder.write(chunk), take);
      if (batch.rows.length + batch.errors.length === 0) continue;
      yield batch;
      batch = { rows: [], errors: [] };
    }
    tokenizer.write(decoder.end() ?? '', take);
    tokenizer.end(take);
  } catch (error) {
    if (!(error instanceof UnclosedQuote)) throw error;
    throw new FeedRefused(
      `${subject} cannot be read on as CSV: Quote Not Closed: the quoted value in row ${table.records + 1} never ends`,
    );
  }
  if (mapping.header && !table.hasHeader) throw new FeedRefused(`${subject} has no header row`);
  if (batch.rows.length + batch.errors.length > 0) yield batch;
}

/**
 * Bytes to text as they stream: UTF-8 by Node's own decoder (the fast path), any other encoding by iconv-lite's. A
 * character cut between two stretches comes whole with the second; bytes that are not text in the encoding become
 * U+FFFD. A byte order mark is kept: the tokenizer drops it.
 */
export function textDecoder(encoding: string): { write(bytes: Buffer): string; end(): string | undefined } {
  return /^utf-?8$/i.test(encoding)
    ? new StringDecoder('utf8')
    : iconv.getDecoder(encoding, { stripBOM: false });
}

/** The header and column positions of a CSV feed, and each record after the header turned into a row. */
class CsvTable {
  #positions: number[] | undefined;
  #width = -1;
  #records = 0;
  #hasHeader = false;
  readonly #cells: Cell[] = FEED_FIELDS.map(() => undefined);
  readonly #reader: RowReader;

  constructor(private readonly mapping: CsvFeedMapping) {
    this.#reader = new RowReader(mapping, mapping.defaultCurrency, (field) => {
      const column = mapping.columns[field]!;
      return typeof column === 'number' ? `column ${column}` : column;
    });
    if (!mapping.header) this.#positions = columnPositions(mapping.columns, undefined, shown);
  }

  /** The records taken so far, blank ones and the header too: the last one's row number. */
  get records(): number {
    return this.#records;
  }

  get hasHeader(): boolean {
    return this.#hasHeader;
  }

  take(record: string[], batch: FeedBatch): void {
    const row = ++this.#records;
    const filled = filledWidth(record);
    if (filled === 0) return; // an empty line, or a blank row (;;;;) as spreadsheets export them
    if (this.#positions === undefined) {
      this.#positions = columnPositions(
        this.mapping.columns,
        record.map((name) => name.trim()),
        shown,
      );
      this.#width = record.length;
      this.#hasHeader = true;
      return;
    }
    if (this.#width === -1) this.#width = record.length;
    const positions = this.#positions;
    for (let i = 0; i < positions.length; i++) {
      const at = positions[i]!;
      this.#cells[i] = at < 0 ? undefined : at < record.length ? record[at] : this.#missing(i, record.length);
    }
    const found = this.#reader.read(row, this.#cells, batch.errors);
    const extra = filled - this.#width;
    if (extra > 0) {
      const of = this.mapping.header ? 'the header has' : 'the first row has';
      const hint = `is a value with ${JSON.stringify(this.mapping.delimiter)} not quoted?`;
      const reason = `has ${this.#width + extra} values where ${of} ${this.#width} columns: ${hint}`;
      // The SKU as read (it may sit before the shifted value): the row is listed, if not readable.
      const sku = typeof this.#cells[0] === 'string' ? this.#cells[0].trim() : '';
      batch.errors.push(
        sku ? { row, field: 'row', reason, supplierSku: sku } : { row, field: 'row', reason },
      );
    } else if (found) batch.rows.push(found);
  }

  #missing(field: number, width: number): CellProblem {
    const column = shown(this.mapping.columns[FEED_FIELDS[field]!]!);
    return new CellProblem(`the row has ${width} columns: ${column} is missing`);
  }
}

/** A column as a refusal names it: "Preis", column 4. */
function shown(column: Column): string {
  return typeof column === 'number' ? `column ${column}` : JSON.stringify(column);
}

/** The record's length without its empty cells at the end (a trailing delimiter is no column). */
function filledWidth(record: string[]): number {
  let width = record.length;
  while (width > 0 && record[width - 1]!.trim() === '') width--;
  return width;
}
