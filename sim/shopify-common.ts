/**
 * What the parts of the Shopify simulator share: ids, times, money as Shopify writes it (./money.ts), and
 * the GraphQL plumbing (refusals, page sizes, Relay connections, input arrays) every Admin API operation uses.
 */
import { formatMinor } from './money.ts';
import type { ShopifyMoney, ShopifyMoneySet } from './shopify.ts';

/** Shopify's limit on every input array, in every API. */
export const MAX_INPUT_ARRAY = 250;
export const MAX_PAGE_SIZE = 250;
export const MUTATION_COST = 10;

/** Formats minor units both ways Shopify does: a plain decimal string and a MoneyBag. */
export interface MoneyFormat {
  text(units: number): string;
  set(units: number): ShopifyMoneySet;
}

export function moneyFormat(currency: string, digits: number): MoneyFormat {
  const text = (units: number) => formatMinor(units, digits);
  const one = (units: number): ShopifyMoney => ({ amount: text(units), currency_code: currency });
  return { text, set: (units) => ({ shop_money: one(units), presentment_money: one(units) }) };
}

/** Shopify writes times in the shop's time zone; one fixed offset (no DST) keeps the output stable. */
export const SHOP_UTC_OFFSET_MINUTES = -5 * 60;
export const SHOP_UTC_OFFSET = '-05:00';

export function gid(kind: string, id: number): string {
  return `gid://shopify/${kind}/${id}`;
}

export function shopTime(ms: number): string {
  return `${new Date(ms + SHOP_UTC_OFFSET_MINUTES * 60_000).toISOString().slice(0, 19)}${SHOP_UTC_OFFSET}`;
}

export function idOf(value: unknown, kind: string): number | undefined {
  const match = typeof value === 'string' ? new RegExp(`^gid://shopify/${kind}/(\\d+)$`).exec(value) : null;
  return match ? Number(match[1]) : undefined;
}

export function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return value;
}

/** A list argument: refused when it is not a list, or longer than any input array may be. */
export function inputArray(value: unknown, invalid: string): unknown[] {
  if (!Array.isArray(value)) throw new GraphqlError(invalid);
  if (value.length > MAX_INPUT_ARRAY) {
    throw new GraphqlError(
      `The input array has ${value.length} items, over the limit of ${MAX_INPUT_ARRAY}.`,
    );
  }
  return value;
}

export type Variables = Record<string, unknown>;

/** A refusal of the whole request (top-level `errors`), as GraphQL reports a bad variable or argument. */
export class GraphqlError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface Ran {
  data: unknown;
  actualCost: number;
  userErrors: boolean;
}

/** One operation the simulated Admin API knows, by its operation name; `office` is whatever holds the shop's records. */
export interface AdminOperation<O> {
  requestedCost(variables: Variables): number;
  run(office: O, variables: Variables): Ran;
  /** The mutation's payload field, where a `user-error` fault puts its error (default fulfillmentCreate). */
  userErrorRoot?: string;
}

export function pageSize(variables: Variables, name: string): number {
  const value = variables[name];
  if (!Number.isInteger(value))
    throw new GraphqlError(`Variable $${name} of type Int! was provided invalid value`);
  const size = value as number;
  if (size < 1 || size > MAX_PAGE_SIZE)
    throw new GraphqlError(`${name} must be between 1 and ${MAX_PAGE_SIZE}`);
  return size;
}

export function cursorOf(index: number): string {
  return Buffer.from(`cursor:${index}`).toString('base64');
}

/** A Relay connection page: `after` is a cursor this server handed out, or null for the start. */
export function connection<T>(items: readonly T[], first: number, after: unknown) {
  let start = 0;
  if (after !== undefined && after !== null) {
    const match =
      typeof after === 'string' ? /^cursor:(\d+)$/.exec(Buffer.from(after, 'base64').toString()) : null;
    if (!match) throw new GraphqlError(`Invalid cursor for the after argument: ${String(after)}`);
    start = Number(match[1]) + 1;
  }
  const nodes = items.slice(start, start + first);
  const last = start + nodes.length - 1;
  return {
    pageInfo: { hasNextPage: start + first < items.length, endCursor: nodes.length ? cursorOf(last) : null },
    nodes,
  };
}
