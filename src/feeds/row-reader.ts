import { minorUnitDigits, type CurrencyCode, type Money } from '../domain/money.ts';
import {
  CellProblem,
  countryOf,
  currencyOf,
  DecimalReader,
  flagOf,
  gtinOf,
  label,
  quoted,
  type Cell,
  type NumberFormat,
} from './cell-values.ts';
import { FEED_FIELDS, type FeedField, type FeedRow, type FeedRowError } from './feed-mapping.ts';

/** Each field's place in a row's cells, which come in FEED_FIELDS order. */
export const AT = Object.fromEntries(FEED_FIELDS.map((field, i) => [field, i])) as {
  readonly [F in FeedField]: number;
};

const NO_CURRENCY = new CellProblem(
  'has no currency: the currency column is empty and there is no defaultCurrency',
);

/**
 * Reads one row's cells into a FeedRow, or lists every field that fails. Built once per feed (the number patterns
 * are compiled here), and reads a million rows without a closure or a pattern per cell.
 *
 * @example const reader = new RowReader({ decimal: ',' }, 'EUR', (field) => String(mapping.columns[field]));
 *   reader.read(2, ['A1', undefined, '12,50', …], errors); // { row: 2, supplierSku: 'A1', cost: 1250 EUR, … }
 */
export class RowReader {
  readonly #decimals: DecimalReader;
  readonly #defaultCurrency: CurrencyCode | undefined;

  /** `defaultCurrency` as the mapping checked it; `columnOf` says where a field is, for its errors. */
  constructor(
    format: NumberFormat,
    defaultCurrency: string | undefined,
    private readonly columnOf: (field: FeedField) => string,
  ) {
    this.#decimals = new DecimalReader(format);
    this.#defaultCurrency = defaultCurrency as CurrencyCode | undefined;
  }

  // The row being read: one reader reads one feed, a row at a time.
  #row = 0;
  #cells: readonly Cell[] = [];
  #errors: FeedRowError[] = [];
  #code: CurrencyCode | undefined;
  /** The row's supplier SKU once read: its other fields' errors carry it. */
  #rowSku: string | undefined;

  /** The row, or undefined when it failed (its errors pushed onto `errors`). `cells` are in FEED_FIELDS order. */
  read(row: number, cells: readonly Cell[], errors: FeedRowError[]): FeedRow | undefined {
    this.#row = row;
    this.#cells = cells;
    this.#errors = errors;
    const start = errors.length;
    this.#rowSku = undefined;
    const supplierSku = this.#value(AT.supplierSku, this.#sku);
    if (supplierSku === undefined && errors.length === start) this.#fail(AT.supplierSku, 'is empty');
    this.#rowSku = supplierSku;
    const beforeCurrency = errors.length;
    this.#code = this.#value(AT.currency, currencyOf) ?? this.#defaultCurrency;
    // A bad currency cell is its own error: the amounts are not read in a currency the row did not name.
    const amounts = errors.length === beforeCurrency;
    const beforeCountry = errors.length;
    const country = this.#value(AT.shipFromCountry, countryOf);
    const region = this.#value(AT.shipFromRegion, this.#region);
    if (region !== undefined && country === undefined && errors.length === beforeCountry)
      this.#fail(AT.shipFromRegion, 'needs a ship-from country');
    const result: FeedRow = {
      row,
      supplierSku: supplierSku!,
      gtin: this.#value(AT.gtin, gtinOf),
      cost: amounts ? this.#value(AT.cost, this.#money) : undefined,
      stock: this.#value(AT.stock, this.#count0),
      leadDays: this.#value(AT.leadDays, this.#count0),
      shipFrom: country === undefined ? undefined : { country, region },
      packSize: this.#value(AT.packSize, this.#count1),
      minQuantity: this.#value(AT.minQuantity, this.#count1),
      map: amounts ? this.#value(AT.map, this.#money) : undefined,
      discontinued: this.#value(AT.discontinued, flagOf),
    };
    return errors.length === start ? result : undefined;
  }

  /** The field's value; undefined when its cell is empty or absent, or when it fails (the error pushed). */
  #value<T extends string | number | boolean | Money>(
    at: number,
    parse: (text: string) => T | CellProblem,
  ): T | undefined {
    const cell = this.#cells[at];
    if (cell === undefined) return undefined;
    if (typeof cell !== 'string') return this.#fail(at, cell.reason);
    const text = cell.trim();
    if (text === '') return undefined;
    const parsed = parse(text);
    // typeof first: instanceof on every value (ten a row) cost more than the parsing did.
    if (typeof parsed !== 'object' || !(parsed instanceof CellProblem)) return parsed;
    return this.#fail(at, parsed.reason);
  }

  #fail(at: number, reason: string): undefined {
    const field = FEED_FIELDS[at]!;
    const error = { row: this.#row, field, column: this.columnOf(field), reason };
    this.#errors.push(this.#rowSku === undefined ? error : { ...error, supplierSku: this.#rowSku });
    return undefined;
  }

  readonly #sku = (text: string) => label(text, 255);
  readonly #region = (text: string) => label(text, 64);
  readonly #count0 = (text: string) => this.#count(text, 0);
  readonly #count1 = (text: string) => this.#count(text, 1);

  readonly #money = (text: string): Money | CellProblem => {
    const code = this.#code;
    if (code === undefined) return NO_CURRENCY;
    const digits = minorUnitDigits(code);
    const amount = this.#decimals.read(text, digits, code);
    if (typeof amount !== 'number') return amount;
    // A supplier's cost or MAP of nothing is a broken cell, not a gift: priced from it, a $400 TV would sell at its
    // margin alone. Leave the cell empty to keep the last one.
    if (amount === 0) return ZERO_AMOUNT;
    // Past a billion units no catalog price is meant, and a price rule's markup must not overflow exact money.
    if (amount > MAX_UNITS * 10 ** digits)
      return new CellProblem(`${JSON.stringify(text)} is more than ${MAX_UNITS} ${code}`);
    // The amount is a safe integer and the code a checked one: money() would check both again, for every row.
    return { amount, currency: code };
  };

  #count(text: string, least: number): number | CellProblem {
    const n = this.#decimals.read(text, 0);
    if (typeof n !== 'number' || n >= least) return n;
    return new CellProblem(`${quoted(text)} is less than ${least}`);
  }
}

const ZERO_AMOUNT = new CellProblem(
  'is 0: a cost or MAP is never nothing (leave the cell empty to keep the last one)',
);
/** The largest amount a feed may state, in whole units of its currency. */
const MAX_UNITS = 1_000_000_000;
