/**
 * The realistic orders the simulated stores make, the part that does not depend on the platform: who buys (a name,
 * a destination, a fictional phone line, now and then an apartment), how many of each item, the discount, and each
 * line's money in minor units. Every draw comes from a stream seeded with (seed, i), in a fixed order, so
 * makeOrder(i) is the same every time. Each simulator keeps its own names, destinations and wire shape (field
 * names, phone and date formats, ids) and builds its payload from what is drawn here. Demo and test use only.
 */
import { randomInt } from 'node:crypto';
import { minorDigits, ofBasisPoints, parseMinor } from './money.ts';
import { deriveSeed, pick, positiveInteger, seededRandom } from './shared.ts';

/** An order number i is below this; a run's ids are a block this many orders wide. */
export const MAX_ORDERS_PER_RUN = 1_000_000;
/** Items in one order at most; a line's id leaves room for this many per order. */
export const MAX_LINES_PER_ORDER = 100;

/** What a store's generator fixes when it is created. */
export interface GeneratorContext {
  seed: number;
  currency: string;
  digits: number;
  /** Picks this run's id block: a store's ids are unique, so a rerun must not reuse the last run's. */
  runSlot: number;
  /** When order 0 was placed, whole seconds, fixed at creation so makeOrder(i) is the same every time. */
  epochMs: number;
}

/**
 * A new store's generator: seed 1 and USD unless given, one of `runSlots` id blocks at random.
 *
 * @example const ctx = newGeneratorContext({ seed: 7 }, 1_000, Date.now());
 */
export function newGeneratorContext(
  opts: { seed?: number; currency?: string },
  runSlots: number,
  nowMs: number,
): GeneratorContext {
  const currency = opts.currency ?? 'USD';
  return {
    seed: opts.seed ?? 1,
    currency,
    digits: minorDigits(currency),
    runSlot: randomInt(runSlots),
    epochMs: Math.floor(nowMs / 1000) * 1000,
  };
}

/** Order i of this run counted across runs: the base of its ids. */
export function orderOrdinal(store: GeneratorContext, i: number): number {
  return store.runSlot * MAX_ORDERS_PER_RUN + i;
}

/** Line `index` of order i, counted across orders and runs. */
export function lineOrdinal(store: GeneratorContext, i: number, index: number): number {
  return orderOrdinal(store, i) * MAX_LINES_PER_ORDER + index;
}

/**
 * laterMs rounded up to whole seconds, as a timestamp with whole seconds can move: any positive laterMs really
 * moves it forward.
 */
export function wholeSecondsLater(laterMs: number): number {
  if (!Number.isFinite(laterMs) || laterMs <= 0) throw new RangeError('laterMs must be a positive number');
  return Math.ceil(laterMs / 1_000) * 1_000;
}

/** The random stream order i's draws come from: the same for the same seed, whatever order orders are made in. */
export function orderStream(seed: number, i: number): () => number {
  return seededRandom(deriveSeed(seed, i));
}

/** 1, 2 or 3 (one draw). */
export function oneToThree(random: () => number): number {
  return 1 + Math.floor(random() * 3);
}

/** "01xx" (one draw): phone lines 555-0100 to 555-0199 are reserved for fictional use. */
export function fictionalPhoneLine(random: () => number): string {
  return `01${String(Math.floor(random() * 100)).padStart(2, '0')}`;
}

/** "Apt n" for about 3 orders in 10, else null (one draw, and a second for n). */
export function drawApartment(random: () => number): string | null {
  return random() < 0.3 ? `Apt ${1 + Math.floor(random() * 40)}` : null;
}

/** first.last@example.com in ASCII lower case, diacritics dropped (example.com is reserved for examples). */
export function exampleEmail(first: string, last: string): string {
  return `${asciiLetters(first)}.${asciiLetters(last)}@example.com`;
}

function asciiLetters(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** A street address in a US state, with the state's sales tax. */
export interface UsDestination {
  street: string;
  city: string;
  /** The state's name (Shopify's province). */
  state: string;
  /** Its two-letter code. */
  stateCode: string;
  zip: string;
  /** Sales tax in basis points; 0 where the state has none, to exercise an order without tax lines. */
  taxBp: number;
}

/** Where simulated orders go: real streets, one per state, each with its state's sales tax. */
export const US_DESTINATIONS: readonly UsDestination[] = [
  {
    street: '2950 Mission St',
    city: 'San Francisco',
    state: 'California',
    stateCode: 'CA',
    zip: '94110',
    taxBp: 725,
  },
  { street: '18 W 29th St', city: 'New York', state: 'New York', stateCode: 'NY', zip: '10001', taxBp: 400 },
  { street: '1100 Congress Ave', city: 'Austin', state: 'Texas', stateCode: 'TX', zip: '78701', taxBp: 625 },
  { street: '400 Pine St', city: 'Seattle', state: 'Washington', stateCode: 'WA', zip: '98101', taxBp: 650 },
  { street: '1221 SW 4th Ave', city: 'Portland', state: 'Oregon', stateCode: 'OR', zip: '97204', taxBp: 0 },
];

/** Who buys, as every store draws it first, in this order. */
export interface DrawnBuyer<D> {
  first: string;
  last: string;
  destination: D;
  /** See fictionalPhoneLine; each platform writes the whole number its own way. */
  phoneLine: string;
  apartment: string | null;
}

/** A buyer from the store's own names and destinations. */
export function drawBuyer<D>(
  random: () => number,
  names: { first: readonly string[]; last: readonly string[] },
  destinations: readonly D[],
): DrawnBuyer<D> {
  const first = pick(random, names.first);
  const last = pick(random, names.last);
  const destination = pick(random, destinations);
  const phoneLine = fictionalPhoneLine(random);
  return { first, last, destination, phoneLine, apartment: drawApartment(random) };
}

/** One line's money in minor units, excluding tax: net = gross − discount, and the tax on each. */
export interface PricedLine<I> {
  item: I;
  quantity: number;
  unit: number;
  /** unit × quantity, before the discount. */
  gross: number;
  discount: number;
  net: number;
  /** On net: what the buyer pays. */
  tax: number;
  /** On gross: what the tax would have been without the discount (WooCommerce shows it). */
  grossTax: number;
}

/** The amounts of a PricedLine. */
export type LineAmount = 'gross' | 'discount' | 'net' | 'tax' | 'grossTax';

/** One amount over all the lines of an order, in minor units. */
export function sumOf(lines: readonly PricedLine<unknown>[], field: LineAmount): number {
  return lines.reduce((acc, line) => acc + line[field], 0);
}

/** An order being made: what is drawn and priced, before a platform writes it in its own shape. */
export interface OrderDraft<I, B> {
  /** The order's stream, past the buyer and the discount: a platform's own later draws continue it. */
  random: () => number;
  buyer: B;
  /** 0 when the order has no discount. */
  discountBp: number;
  lines: PricedLine<I>[];
  /** The store's epoch + i seconds. */
  createdMs: number;
}

/** How a platform takes part in drafting: its buyer (from the order's stream) and its discount's size. */
export interface DraftShape<B> {
  pickBuyer(random: () => number): B;
  /** Given to about a third of the orders. */
  discountBp: number;
}

/**
 * The platform-independent half of makeOrder(i, items, quantities): checks the input, draws the buyer and the
 * discount from the order's stream and the missing quantities from their own, and prices every line with the
 * destination's tax. Given quantities never shift any other field.
 *
 * @example
 * const draft = draftOrder(store, { i, items }, { pickBuyer: (r) => myBuyer(r), discountBp: 1_000 });
 */
export function draftOrder<I extends { price: string }, B extends { destination: { taxBp: number } }>(
  store: GeneratorContext,
  order: { i: number; items: readonly I[]; quantities?: number[] },
  shape: DraftShape<B>,
): OrderDraft<I, B> {
  const { i, items } = order;
  checkOrderInput(i, items.length);
  const random = orderStream(store.seed, i);
  const buyer = shape.pickBuyer(random);
  const discountBp = random() < 1 / 3 ? shape.discountBp : 0;
  const counts = resolveQuantities(store.seed, i, items.length, order.quantities);
  const taxBp = buyer.destination.taxBp;
  const lines = items.map((item, index) =>
    priceLine(item, counts[index] ?? 1, store.digits, discountBp, taxBp),
  );
  return { random, buyer, discountBp, lines, createdMs: store.epochMs + i * 1_000 };
}

function checkOrderInput(i: number, itemCount: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= MAX_ORDERS_PER_RUN) {
    throw new RangeError(`i must be an integer from 0 to ${MAX_ORDERS_PER_RUN - 1}`);
  }
  if (itemCount === 0 || itemCount > MAX_LINES_PER_ORDER) {
    throw new RangeError(`an order has 1 to ${MAX_LINES_PER_ORDER} items`);
  }
}

/** Given quantities win; the rest (1–3 each) come from their own stream, so they never shift the other fields. */
function resolveQuantities(seed: number, i: number, count: number, given: number[] = []): number[] {
  const random = seededRandom(deriveSeed(seed, `quantities:${i}`));
  return Array.from({ length: count }, (_, index) => {
    const drawn = oneToThree(random);
    return positiveInteger(given[index] ?? drawn, `quantities[${index}]`);
  });
}

/** Tax is on what is left after the discount; grossTax is on the whole. */
function priceLine<I extends { price: string }>(
  item: I,
  quantity: number,
  digits: number,
  discountBp: number,
  taxBp: number,
): PricedLine<I> {
  const unit = parseMinor(item.price, digits);
  const gross = unit * quantity;
  const discount = ofBasisPoints(gross, discountBp);
  const net = gross - discount;
  return {
    item,
    quantity,
    unit,
    gross,
    discount,
    net,
    tax: ofBasisPoints(net, taxBp),
    grossTax: ofBasisPoints(gross, taxBp),
  };
}
