import {
  InvalidInputError,
  InvalidSpreadsheetError,
  readSheet,
  SheetNotFoundError,
  type CellValue,
  type SheetData,
} from 'read-excel-file/node';
import { numberToDecimalText } from '../domain/decimal.ts';
import { wholeFile } from './bytes.ts';
import { CellProblem, type Cell } from './cell-values.ts';
import { columnPositions, type Column } from './columns.ts';
import { columnLetterNumber, type FeedBatch, type FeedField, type XlsxFeedMapping } from './feed-mapping.ts';
import { FeedRefused } from './feed-refused.ts';
import { AT, RowReader } from './row-reader.ts';

const BATCH_ROWS = 1000;

/**
 * An Excel workbook, read whole (up to `limit` bytes) by read-excel-file; its rows handed out in batches of
 * BATCH_ROWS. Row numbers are the sheet's own (row 1 is the top row, whatever is in it); the header is the first row
 * with a value in it, and rows without one are skipped.
 */
export async function* readXlsx(
  bytes: AsyncIterable<Buffer>,
  mapping: XlsxFeedMapping,
  subject: string,
  limit: number,
): AsyncGenerator<FeedBatch> {
  const file = await wholeFile(
    bytes,
    limit,
    () => `${subject} is an XLSX workbook larger than ${limit} bytes: send it as CSV`,
  );
  const sheet = await sheetOf(file, mapping.sheet, subject);
  const first = mapping.header ? sheet.findIndex(hasValue) : -1;
  if (mapping.header && first < 0) throw new FeedRefused(`${subject} has no header row`);
  const columns = byNameOrNumber(mapping);
  const header = first < 0 ? undefined : sheet[first]!.map(headerName);
  const positions = columnPositions(columns, header, (c) =>
    typeof c === 'number' ? `column ${letters(c)}` : JSON.stringify(c),
  );
  const reader = new RowReader({ decimal: '.' }, mapping.defaultCurrency, (field) => {
    const column = columns[field]!;
    return typeof column === 'number' ? letters(column) : column;
  });
  const cells: Cell[] = [];
  for (let start = first + 1; start < sheet.length; start += BATCH_ROWS) {
    const batch: FeedBatch = { rows: [], errors: [] };
    for (let i = start; i < Math.min(start + BATCH_ROWS, sheet.length); i++) {
      const values = sheet[i]!;
      if (!hasValue(values)) continue;
      positions.forEach(
        (at, field) => (cells[field] = at < 0 ? undefined : cellText(values[at] ?? null, field)),
      );
      const found = reader.read(i + 1, cells, batch.errors);
      if (found) batch.rows.push(found);
    }
    yield batch;
  }
}

/** The mapping's columns as header names or 1-based numbers: a letter (only without a header) as its number. */
function byNameOrNumber(mapping: XlsxFeedMapping): Partial<Record<FeedField, Column>> {
  return Object.fromEntries(
    Object.entries(mapping.columns).map(([field, column]) => [
      field,
      typeof column === 'string' && !mapping.header ? columnLetterNumber(column)! : column,
    ]),
  );
}

/** The mapped sheet's rows; refused when the file is no workbook or has no such sheet. */
async function sheetOf(
  file: Buffer,
  sheet: string | number | undefined,
  subject: string,
): Promise<SheetData> {
  try {
    return await readSheet(file, sheet ?? 1);
  } catch (error) {
    if (error instanceof SheetNotFoundError) {
      const { sheets } = error as SheetNotFoundError & { sheets: string[] };
      const names = sheets.map((name) => JSON.stringify(name)).join(', ');
      throw new FeedRefused(`${subject} has no sheet ${JSON.stringify(sheet)}; its sheets are ${names}`);
    }
    if (error instanceof InvalidInputError || error instanceof InvalidSpreadsheetError)
      throw new FeedRefused(`${subject} is not a readable XLSX workbook: ${error.message}`);
    // read-excel-file parses a sheet's XML in chunks, one stack frame a chunk: some 200,000 rows overflow it.
    if (error instanceof RangeError)
      throw new FeedRefused(`${subject} is a workbook too large to read (${error.message}): send it as CSV`);
    throw error;
  }
}

function hasValue(values: readonly (CellValue | null)[]): boolean {
  return values.some((value) => value !== null && value !== '');
}

function headerName(value: CellValue | null): string {
  if (value === null) return '';
  return typeof value === 'number' ? numberToDecimalText(value) : String(value).trim();
}

/**
 * A cell as the row reader reads text. A number is its shortest decimal, as JavaScript prints it (12.3, never
 * 12.300000000000001): amounts are read from that text, exactly, never scaled as a float. A GTIN stored as a number
 * is its digits; past 15 digits a spreadsheet has rounded it, and it is refused.
 */
function cellText(value: CellValue | null, field: number): Cell {
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (field === AT.gtin && Math.abs(value) >= 1e15)
      return new CellProblem(
        `${numberToDecimalText(value)} is a number past the 15 digits a spreadsheet keeps: its last digits are lost (store GTINs as text)`,
      );
    return numberToDecimalText(value);
  }
  if (value instanceof Date)
    return new CellProblem(
      `is a date in the spreadsheet (${value.toISOString().slice(0, 10)}), not a value: format the column as text`,
    );
  throw new TypeError(`read-excel-file gave a cell of an unknown kind: ${String(value)}`);
}

/** A 1-based column number as the spreadsheet's letters: 3 → 'C', 27 → 'AA'. */
function letters(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}
