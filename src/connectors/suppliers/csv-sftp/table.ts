import { DateTime } from 'luxon';
import { CellProblem, DecimalReader, label, quoted, type Cell } from '../../../feeds/cell-values.ts';
import { findColumn, type Column } from '../../../feeds/columns.ts';
import { textDecoder } from '../../../feeds/csv.ts';
import { CsvTokenizer, UnclosedQuote } from '../../../feeds/csv-tokenizer.ts';
import { encodingOf, sniff } from '../../../feeds/sniff.ts';

/** How a supplier writes one kind of CSV file (the `acknowledgements` or `shipments` settings). */
export interface TableSettings<F extends string> {
  delimiter: string;
  quote: string;
  header: boolean;
  encoding: string;
  dateFormat?: string | undefined;
  timeZone: string;
  columns: Partial<Record<F, Column>>;
}

/** The file cannot be read as the table its settings describe: nothing of it applies. */
export class TableRefused extends Error {}

/** One failing cell (or row): what the refusal of its file names. */
export interface RowError {
  row: number;
  column: string;
  reason: string;
}

/** Failing cells listed in a refusal at most; the rest are counted. */
const LISTED_ERRORS = 20;

/** The refusal of a file with failing rows, naming each (the first 20) by row, column and what was wrong. */
export function rowErrorsReason(errors: readonly RowError[]): string {
  const rows = new Set(errors.map((e) => e.row)).size;
  const sorted = [...errors].sort((a, b) => a.row - b.row);
  const listed = sorted.slice(0, LISTED_ERRORS).map((e) => `row ${e.row}, ${e.column}: ${e.reason}`);
  const more = errors.length > LISTED_ERRORS ? `; and ${errors.length - LISTED_ERRORS} more` : '';
  return `${rows === 1 ? '1 row fails' : `${rows} rows fail`}, so nothing of the file applies: ${listed.join('; ')}${more}`;
}

/**
 * One data row of a table, read a cell at a time: each value that fails is added to the file's errors (its row,
 * its column as the mapping names it, why), and comes back undefined.
 */
export class TableRow<F extends string> {
  constructor(
    readonly row: number,
    private readonly cells: ReadonlyMap<F, Cell>,
    private readonly table: Table<F>,
  ) {}

  /** The field's value; an empty cell fails. */
  required<T>(field: F, parse: (text: string) => T | CellProblem): T | undefined {
    const value = this.optional(field, parse);
    if (value === undefined && this.blank(field)) this.fail(field, 'is empty');
    return value;
  }

  /** Whether the field's cell is empty (or the mapping has no column for it); a cell that failed is not. */
  blank(field: F): boolean {
    const cell = this.cells.get(field);
    return cell === undefined || (typeof cell === 'string' && cell.trim() === '');
  }

  /** The field's value, undefined when its cell is empty or the mapping has no column for it. */
  optional<T>(field: F, parse: (text: string) => T | CellProblem): T | undefined {
    const cell = this.cells.get(field);
    if (cell instanceof CellProblem) return this.fail(field, cell.reason);
    const text = cell?.trim() ?? '';
    if (text === '') return undefined;
    const parsed = parse(text);
    return parsed instanceof CellProblem ? this.fail(field, parsed.reason) : parsed;
  }

  /** Adds an error of this row at the field's column. */
  fail(field: F | 'row', reason: string): undefined {
    this.table.errors.push({ row: this.row, column: this.table.columnName(field), reason });
    return undefined;
  }
}

/**
 * A supplier's CSV file read whole by a column mapping, as a catalog feed is (src/feeds: the same tokenizer,
 * encodings, header lookup and number reading; docs/feeds.md): its data rows, and the errors its readers add.
 * Row numbers are the ones the supplier sees in a spreadsheet: the header is row 1, blank lines count.
 *
 * Throws TableRefused when the file is not CSV text, a quote never closes, or the header lacks a mapped column.
 *
 * @example
 * const table = new Table(bytes, settings, ['poNumber', 'status'], '"ACK_1.csv"');
 * for (const row of table.rows) row.required('poNumber', (t) => t);
 * if (table.errors.length) refuse(rowErrorsReason(table.errors));
 */
export class Table<F extends string> {
  readonly rows: TableRow<F>[] = [];
  readonly errors: RowError[] = [];
  readonly #counts = new DecimalReader({ decimal: '.' });

  constructor(
    bytes: Buffer,
    private readonly settings: TableSettings<F>,
    fields: readonly F[],
    subject: string,
  ) {
    const encoding = encodingOf(bytes, settings.encoding);
    const what = sniff(bytes.subarray(0, 4096), encoding);
    if (what !== undefined) throw new TableRefused(`${subject} ${what}, not CSV`);
    const decoder = textDecoder(encoding);
    const text = decoder.write(bytes) + (decoder.end() ?? '');
    const records: { row: number; values: string[] }[] = [];
    let row = 0;
    const take = (values: string[]) => void records.push({ row: ++row, values: [...values] });
    const tokenizer = new CsvTokenizer(settings);
    try {
      tokenizer.write(text, take);
      tokenizer.end(take);
    } catch (error) {
      if (!(error instanceof UnclosedQuote)) throw error;
      throw new TableRefused(
        `${subject} cannot be read as CSV: the quoted value in row ${row + 1} never ends`,
      );
    }
    const filled = records.filter((r) => filledWidth(r.values) > 0);
    const header = settings.header ? filled.shift() : undefined;
    if (settings.header && header === undefined) throw new TableRefused(`${subject} has no header row`);
    const positions = this.#positions(
      fields,
      header?.values.map((h) => h.trim()),
      subject,
    );
    const width = header?.values.length ?? filled[0]?.values.length ?? 0;
    for (const { row, values } of filled) {
      const cells = new Map<F, Cell>();
      for (const [field, at] of positions)
        cells.set(
          field,
          at < values.length
            ? values[at]
            : new CellProblem(`is missing: the row has ${values.length} columns`),
        );
      const tableRow = new TableRow(row, cells, this);
      this.rows.push(tableRow);
      const extra = filledWidth(values) - width;
      if (extra > 0)
        tableRow.fail(
          'row',
          `has ${width + extra} values where ${header ? 'the header has' : 'the first row has'} ${width} columns: ` +
            `is a value with ${JSON.stringify(settings.delimiter)} not quoted?`,
        );
    }
  }

  /** A column as a refusal names it: `"Status"`, `column 4`. */
  columnName(field: string): string {
    if (field === 'row') return 'the row';
    const at = this.settings.columns[field as F];
    return typeof at === 'number' ? `column ${at}` : `column ${JSON.stringify(at)}`;
  }

  /** A whole number of at least 1 ("2", "2.0"). */
  readonly count = (text: string): number | CellProblem => {
    const n = this.#counts.read(text, 0);
    if (typeof n !== 'number') return n;
    return n >= 1 ? n : new CellProblem(`${quoted(text)} is not a positive whole number`);
  };

  /** A calendar day in the mapping's date format, as 'YYYY-MM-DD'. */
  readonly day = (text: string): string | CellProblem => {
    const read = this.#dateTime(text);
    return read instanceof CellProblem ? read : read.toISODate()!;
  };

  /** An instant: the mapping's date format in the supplier's time zone (an ISO 8601 offset wins). */
  readonly instant = (text: string): Date | CellProblem => {
    const read = this.#dateTime(text);
    return read instanceof CellProblem ? read : read.toJSDate();
  };

  /** Text of at most `max` characters, refused when it holds bytes its encoding could not read. */
  readonly text =
    (max: number) =>
    (text: string): string | CellProblem =>
      label(text, max);

  #dateTime(text: string): DateTime | CellProblem {
    const { dateFormat, timeZone } = this.settings;
    const zone = { zone: timeZone };
    let read =
      dateFormat === undefined ? DateTime.fromISO(text, zone) : DateTime.fromFormat(text, dateFormat, zone);
    // ISO 8601 as spreadsheets and databases write it, with a space for the T: 2026-12-05 10:00.
    if (!read.isValid && dateFormat === undefined) read = DateTime.fromSQL(text, zone);
    return read.isValid
      ? read
      : new CellProblem(`${quoted(text)} is not a date written ${dateFormat ?? 'as ISO 8601 (YYYY-MM-DD)'}`);
  }

  /** Each mapped field's 0-based position, found in the header as a catalog feed's columns are. */
  #positions(fields: readonly F[], header: readonly string[] | undefined, subject: string): [F, number][] {
    const missing: string[] = [];
    const twice: string[] = [];
    const positions: [F, number][] = [];
    for (const field of fields) {
      const column = this.settings.columns[field];
      if (column === undefined) continue;
      const at = typeof column === 'number' ? [column - 1] : findColumn(header ?? [], column);
      const named = `${this.columnName(field).replace(/^column /, '')} (${field})`;
      if (at.length > 1) twice.push(named);
      else if (header !== undefined && (at.length === 0 || at[0]! >= header.length)) missing.push(named);
      positions.push([field, at[0] ?? -1]);
    }
    if (missing.length > 0)
      throw new TableRefused(`${subject}: the header has no column ${missing.join(', ')}`);
    if (twice.length > 0)
      throw new TableRefused(`${subject}: the header has more than one column ${twice.join(', ')}`);
    return positions;
  }
}

/** The record's length without its empty cells at the end (a trailing delimiter is no column). */
function filledWidth(values: readonly string[]): number {
  let width = values.length;
  while (width > 0 && values[width - 1]!.trim() === '') width--;
  return width;
}
