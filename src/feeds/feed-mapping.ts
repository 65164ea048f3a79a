import iconv from 'iconv-lite';
import { z } from 'zod';
import { isCurrencyCode, type Money } from '../domain/money.ts';

/** What a supplier's feed row can say, by the names a mapping's `columns` and a row's errors use. */
export const FEED_FIELDS = [
  'supplierSku',
  'gtin',
  'cost',
  'currency',
  'stock',
  'leadDays',
  'shipFromCountry',
  'shipFromRegion',
  'packSize',
  'minQuantity',
  'map',
  'discontinued',
] as const;
export type FeedField = (typeof FEED_FIELDS)[number];

function columnsOf<Column extends z.ZodType>(column: Column) {
  const optional = column.optional();
  return z.strictObject({
    supplierSku: column,
    gtin: optional,
    cost: optional,
    currency: optional,
    stock: optional,
    leadDays: optional,
    shipFromCountry: optional,
    shipFromRegion: optional,
    packSize: optional,
    minQuantity: optional,
    map: optional,
    discontinued: optional,
  });
}

const defaultCurrency = z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code').optional();

/** A cost or MAP needs a currency: from its column, else the mapping's `defaultCurrency`. */
function currencyKnown(m: { columns: { cost?: unknown; map?: unknown; currency?: unknown } }) {
  return (m.columns.cost === undefined && m.columns.map === undefined) || m.columns.currency !== undefined;
}
const NEEDS_CURRENCY = {
  message: 'a cost or map column needs a currency column or a defaultCurrency',
  path: ['defaultCurrency'],
};

/**
 * A CSV feed. `columns` name header cells (matched trimmed, then case-insensitively) or give 1-based positions;
 * without a header row only positions. `quote: ''` turns quoting off; a quote inside a quoted value is doubled.
 * `encoding` is any name iconv-lite knows (`windows-1252`, `iso-8859-1`, `shift_jis`); a byte order mark in the
 * file overrides it.
 */
const csvMapping = z
  .strictObject({
    format: z.literal('csv'),
    delimiter: z.string().min(1).max(4).default(','),
    quote: z.string().max(1).default('"'),
    header: z.boolean().default(true),
    encoding: z.string().refine(iconv.encodingExists, 'is not an encoding iconv-lite knows').default('utf-8'),
    decimal: z.enum(['.', ',']).default('.'),
    thousands: z.enum([',', '.', ' ', "'"]).optional(),
    defaultCurrency,
    columns: columnsOf(z.union([z.string().trim().min(1), z.number().int().positive()])),
  })
  .superRefine((m, ctx) => {
    if (m.thousands === m.decimal)
      ctx.addIssue({ code: 'custom', path: ['thousands'], message: 'must differ from decimal' });
    if (/[\r\n]/.test(m.delimiter) || (m.quote !== '' && m.delimiter.includes(m.quote)))
      ctx.addIssue({
        code: 'custom',
        path: ['delimiter'],
        message: 'must not hold a line break or the quote',
      });
    for (const [field, column] of Object.entries(m.columns))
      if (!m.header && typeof column === 'string')
        ctx.addIssue({
          code: 'custom',
          path: ['columns', field],
          message: 'without a header, a 1-based number',
        });
    if (!currencyKnown(m) && m.defaultCurrency === undefined)
      ctx.addIssue({ code: 'custom', ...NEEDS_CURRENCY });
  });

/** A JSON feed: `rows` is the dotted path to the array of rows ('' when the document is the array), `columns`
 * dotted paths inside a row (`price.amount`, `stock.0.quantity`). Numbers may be JSON numbers or strings with '.'. */
const jsonMapping = z
  .strictObject({
    format: z.literal('json'),
    rows: z.string().default(''),
    defaultCurrency,
    columns: columnsOf(z.string().regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted path like price.amount')),
  })
  .superRefine((m, ctx) => {
    if (!currencyKnown(m) && m.defaultCurrency === undefined)
      ctx.addIssue({ code: 'custom', ...NEEDS_CURRENCY });
  });

/** A spreadsheet's column letters as a 1-based number ('C' → 3, 'AA' → 27), up to Excel's last column XFD. */
export function columnLetterNumber(letters: string): number | undefined {
  if (!/^[A-Z]{1,3}$/i.test(letters)) return undefined;
  let n = 0;
  for (const letter of letters.toUpperCase()) n = n * 26 + letter.charCodeAt(0) - 64;
  return n <= 16_384 ? n : undefined;
}

/**
 * An Excel workbook (.xlsx). `sheet` is a sheet's name or 1-based position (the first when left out). `columns` name
 * header cells (as for CSV) or give 1-based positions; without a header row, also column letters ('C'). Numeric
 * cells are read as the number they hold (12.3 is 12.30 EUR), text cells as JSON strings are, with '.' decimals.
 */
const xlsxMapping = z
  .strictObject({
    format: z.literal('xlsx'),
    sheet: z.union([z.string().min(1), z.number().int().positive()]).optional(),
    header: z.boolean().default(true),
    defaultCurrency,
    columns: columnsOf(z.union([z.string().trim().min(1), z.number().int().positive()])),
  })
  .superRefine((m, ctx) => {
    for (const [field, column] of Object.entries(m.columns))
      if (!m.header && typeof column === 'string' && columnLetterNumber(column) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['columns', field],
          message: "without a header, a 1-based number or a column letter like 'C'",
        });
    if (!currencyKnown(m) && m.defaultCurrency === undefined)
      ctx.addIssue({ code: 'custom', ...NEEDS_CURRENCY });
  });

/**
 * How one supplier's feed file reads: its format and where each field is. Sits in the setup document.
 *
 * @example feedMapping.parse({ format: 'csv', delimiter: ';', decimal: ',', thousands: '.', defaultCurrency: 'EUR',
 *   columns: { supplierSku: 'Artikelnummer', cost: 'EK-Preis', stock: 'Bestand' } })
 *
 * The formats are told apart by `format`: EDI X12 846 (inventory advice) joins here as one more when the EDI transport
 * exists, read into the same rows, so that its feeds diff, quarantine and apply as these do.
 */
export const feedMapping = z.discriminatedUnion('format', [csvMapping, jsonMapping, xlsxMapping]);
export type FeedMapping = z.output<typeof feedMapping>;
export type CsvFeedMapping = Extract<FeedMapping, { format: 'csv' }>;
export type JsonFeedMapping = Extract<FeedMapping, { format: 'json' }>;
export type XlsxFeedMapping = Extract<FeedMapping, { format: 'xlsx' }>;

/**
 * One good row of a feed. `row` is the number the supplier sees (see read-feed.ts). Fields the mapping leaves out
 * or the row leaves empty are undefined; the keys are always there (a million rows share one object shape).
 * `gtin` is kept as the supplier wrote it (8, 12, 13 or 14 digits, check digit verified), as the catalog keeps it.
 */
export interface FeedRow {
  readonly row: number;
  readonly supplierSku: string;
  readonly gtin?: string;
  readonly cost?: Money;
  readonly stock?: number;
  readonly leadDays?: number;
  readonly shipFrom?: { readonly country: string; readonly region?: string };
  readonly packSize?: number;
  readonly minQuantity?: number;
  readonly map?: Money;
  readonly discontinued?: boolean;
}

/** Why a row was left out: one per failing field (`row` when the row as a whole is wrong); `column` is where. */
export interface FeedRowError {
  readonly row: number;
  readonly field: FeedField | 'row';
  readonly column?: string;
  readonly reason: string;
  /** The row's supplier SKU, when it could be read: a full feed's failing row is not a missing one. */
  readonly supplierSku?: string;
}

/** The rows read from one stretch of a feed, and the rows of it that failed. */
export interface FeedBatch {
  readonly rows: FeedRow[];
  readonly errors: FeedRowError[];
}
