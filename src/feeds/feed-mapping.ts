import iconv from 'iconv-lite';
import { z } from 'zod';
import { isCountryCode } from '../domain/address.ts';
import { isValidGtin } from '../domain/gtin.ts';
import { isCurrencyCode, minorUnitDigits, money, type CurrencyCode, type Money } from '../domain/money.ts';

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
    if (/[\r\n]/.test(m.delimiter) || m.delimiter === m.quote)
      ctx.addIssue({ code: 'custom', path: ['delimiter'], message: 'must not be a line break or the quote' });
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

/**
 * How one supplier's feed file reads: its format and where each field is. Sits in the setup document.
 *
 * @example feedMapping.parse({ format: 'csv', delimiter: ';', decimal: ',', thousands: '.', defaultCurrency: 'EUR',
 *   columns: { supplierSku: 'Artikelnummer', cost: 'EK-Preis', stock: 'Bestand' } })
 */
export const feedMapping = z.discriminatedUnion('format', [csvMapping, jsonMapping]);
export type FeedMapping = z.output<typeof feedMapping>;
export type CsvFeedMapping = Extract<FeedMapping, { format: 'csv' }>;
export type JsonFeedMapping = Extract<FeedMapping, { format: 'json' }>;

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
}

/** A cell that could not be read (an object in a JSON row, a column past the end of a short CSV row). */
export class CellProblem {
  constructor(readonly reason: string) {}
}
/** A cell: its text, undefined when absent, or why it cannot be had. */
export type Cell = string | undefined | CellProblem;

export interface NumberFormat {
  readonly decimal: '.' | ',';
  readonly thousands?: ',' | '.' | ' ' | "'" | undefined;
}

/**
 * Reads one row's cells into a FeedRow, or lists every field that fails. Built once per feed: the number patterns
 * are compiled here, not per cell.
 */
export class RowReader {
  readonly #number: RegExp;
  readonly #groups: RegExp | undefined;
  readonly #written: string;

  constructor(
    format: NumberFormat,
    private readonly defaultCurrency: string | undefined,
    private readonly columnOf: (field: FeedField) => string,
  ) {
    const group = format.thousands === undefined ? undefined : GROUP_CHARS[format.thousands];
    this.#groups = group === undefined ? undefined : new RegExp(group, 'g');
    const whole = group === undefined ? '(\\d*)' : `(\\d{1,3}(?:${group}\\d{3})+|\\d*)`;
    this.#number = new RegExp(`^${whole}(?:${format.decimal === '.' ? '\\.' : ','}(\\d*))?$`);
    const thousands =
      format.thousands === undefined
        ? ', no thousands separator'
        : ` and ${quoted(format.thousands)} between thousands`;
    this.#written = `with ${quoted(format.decimal)} before the decimals${thousands}`;
  }

  // The row being read: one reader reads one feed, a row at a time, with no closure made per row.
  #row = 0;
  #cell: (field: FeedField) => Cell = () => undefined;
  #errors: FeedRowError[] = [];
  #code: CurrencyCode | undefined;

  /** The row, or undefined when it failed (its errors pushed onto `errors`). */
  read(row: number, cell: (field: FeedField) => Cell, errors: FeedRowError[]): FeedRow | undefined {
    this.#row = row;
    this.#cell = cell;
    this.#errors = errors;
    const start = errors.length;
    const supplierSku = this.#value('supplierSku', this.#sku);
    if (supplierSku === undefined && errors.length === start) this.#fail('supplierSku', 'is empty');
    const beforeCurrency = errors.length;
    this.#code = (this.#value('currency', currencyOf) ?? this.defaultCurrency) as CurrencyCode | undefined;
    // A bad currency cell is its own error: the amounts are not read in a currency the row did not name.
    const amounts = errors.length === beforeCurrency;
    const beforeCountry = errors.length;
    const country = this.#value('shipFromCountry', countryOf);
    const region = this.#value('shipFromRegion', this.#region);
    if (region !== undefined && country === undefined && errors.length === beforeCountry)
      this.#fail('shipFromRegion', 'needs a ship-from country');
    const result: FeedRow = {
      row,
      supplierSku: supplierSku!,
      gtin: this.#value('gtin', gtinOf),
      cost: amounts ? this.#value('cost', this.#moneyOf) : undefined,
      stock: this.#value('stock', this.#count0),
      leadDays: this.#value('leadDays', this.#count0),
      shipFrom: country === undefined ? undefined : { country, region },
      packSize: this.#value('packSize', this.#count1),
      minQuantity: this.#value('minQuantity', this.#count1),
      map: amounts ? this.#value('map', this.#moneyOf) : undefined,
      discontinued: this.#value('discontinued', flagOf),
    };
    return errors.length === start ? result : undefined;
  }

  /** The field's value; undefined when its cell is empty or absent, or when it fails (the error pushed). */
  #value<T>(field: FeedField, parse: (text: string) => T | CellProblem): T | undefined {
    const cell = this.#cell(field);
    const text = typeof cell === 'string' ? cell.trim() : cell;
    if (text === undefined || text === '') return undefined;
    const parsed = text instanceof CellProblem ? text : parse(text);
    if (!(parsed instanceof CellProblem)) return parsed;
    this.#fail(field, parsed.reason);
    return undefined;
  }

  #fail(field: FeedField, reason: string): void {
    this.#errors.push({ row: this.#row, field, column: this.columnOf(field), reason });
  }

  readonly #sku = (text: string) => label(text, 255);
  readonly #region = (text: string) => label(text, 64);
  readonly #count0 = (text: string) => this.#count(text, 0);
  readonly #count1 = (text: string) => this.#count(text, 1);
  readonly #moneyOf = (text: string) => this.#money(text, this.#code);

  #money(text: string, code: CurrencyCode | undefined): Money | CellProblem {
    if (code === undefined) return NO_CURRENCY;
    const units = this.#scaled(text, minorUnitDigits(code), code);
    return units instanceof CellProblem ? units : money(units, code);
  }

  #count(text: string, least: number): number | CellProblem {
    const n = plainDigits(text) ?? this.#scaled(text, 0, undefined);
    if (n instanceof CellProblem || n >= least) return n;
    return new CellProblem(`${quoted(text)} is less than ${least}`);
  }

  /**
   * A decimal in the mapping's separators as an integer of 10^-digits units, exactly: the digits are joined as text
   * and read once, never scaled as a float ("1.234,56" with decimal ',' and thousands '.' → 123456 at 2 digits).
   * Decimals past `digits` are accepted only when they are zeros ("1500.00" JPY is 1500): never rounded.
   */
  #scaled(text: string, digits: number, code: CurrencyCode | undefined): number | CellProblem {
    const match = this.#number.exec(text);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2] ?? '';
    if (!match || whole + fraction === '') {
      const what = code === undefined ? 'a whole number' : 'a number';
      return new CellProblem(
        text.startsWith('-')
          ? `${quoted(text)} is negative`
          : `${quoted(text)} is not ${what} written ${this.#written}`,
      );
    }
    if (fraction.length > digits && !/^0*$/.test(fraction.slice(digits)))
      return new CellProblem(
        code === undefined
          ? `${quoted(text)} is not a whole number`
          : `${quoted(text)} has ${fraction.length} decimals; ${code} has ${digits === 0 ? 'none' : digits}`,
      );
    const units = Number(
      (this.#groups ? whole.replace(this.#groups, '') : whole) +
        fraction.slice(0, digits).padEnd(digits, '0'),
    );
    return Number.isSafeInteger(units) ? units : new CellProblem(`${quoted(text)} is too large`);
  }
}

const NO_CURRENCY = new CellProblem(
  'has no currency: the currency column is empty and there is no defaultCurrency',
);

/** The thousands separators as a pattern: a space also matches the no-break spaces spreadsheets write. */
const GROUP_CHARS: Record<string, string> = {
  ',': ',',
  '.': '\\.',
  ' ': '[ \\u00a0\\u202f]',
  "'": "['\\u2019]",
};

function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Text kept as it is: refused when it carries a NUL or U+FFFD (what undecodable bytes become: a wrong encoding). */
function label(text: string, max: number): string | CellProblem {
  if (/[\0\ufffd]/.test(text))
    return new CellProblem(`${quoted(text)} has bytes that are not text in the mapping's encoding`);
  return text.length > max ? new CellProblem(`is longer than ${max} characters`) : text;
}

/** A short run of digits (the common stock figure) read without a pattern; undefined for anything else. */
function plainDigits(text: string): number | undefined {
  if (text.length > 15) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return n;
}

/** Codes are checked once per distinct spelling: a feed names a handful of currencies and countries a million times. */
function memo(check: (text: string) => string | CellProblem): (text: string) => string | CellProblem {
  const known = new Map<string, string | CellProblem>();
  return (text) => {
    let result = known.get(text);
    if (result === undefined) {
      result = check(text);
      if (known.size < 1000) known.set(text, result);
    }
    return result;
  };
}

const currencyOf = memo((text) => {
  const code = text.toUpperCase();
  return isCurrencyCode(code) ? code : new CellProblem(`${quoted(text)} is not an ISO 4217 currency code`);
});

const countryOf = memo((text) => {
  const code = text.toUpperCase();
  return isCountryCode(code)
    ? code
    : new CellProblem(`${quoted(text)} is not an ISO 3166-1 alpha-2 country code`);
});

function gtinOf(text: string): string | CellProblem {
  if (isValidGtin(text)) return text;
  if (/^\d([.,]\d+)?E\+?\d+$/i.test(text))
    return new CellProblem(`${quoted(text)} is in scientific notation: a spreadsheet dropped its digits`);
  if (!/^\d+$/.test(text)) return new CellProblem(`${quoted(text)} is not all digits`);
  if (![8, 12, 13, 14].includes(text.length)) {
    const hint = text.length === 11 ? ' (a UPC-A whose leading zero a spreadsheet dropped?)' : '';
    return new CellProblem(`${quoted(text)} has ${text.length} digits; a GTIN has 8, 12, 13 or 14${hint}`);
  }
  const right = [...'0123456789'].find((d) => isValidGtin(text.slice(0, -1) + d));
  return new CellProblem(`${quoted(text)} has check digit ${text.slice(-1)}; it should be ${right}`);
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'x', 't']);
const FALSE = new Set(['false', 'no', 'n', '0', 'f']);

function flagOf(text: string): boolean | CellProblem {
  const t = text.toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return new CellProblem(`${quoted(text)} is not one of true/false, yes/no, y/n, 1/0, x`);
}
