import type { ChannelId, Sku, SupplierId } from './ids.ts';
import { minorUnitDigits, money, toDecimalString, type CurrencyCode, type Money } from './money.ts';

/**
 * How a channel prices what a supplier offers: retail = cost × markup + fixed − discount %, in the cost's currency,
 * then converted to the channel's. The most specific matching rule wins whole (its fields are not merged with those
 * of broader rules): a SKU beats a tag beats a supplier beats channel-wide; see {@link ruleFor}.
 *
 * @example
 * // Every Acme product on the web shop at cost × 1.35 + 2.00, never under 3.00 over landed cost.
 * const rule: PriceRule = { match: { channel: 'web', supplier: 'acme' }, markup: '1.35', fixed: 200, minMargin: 300 };
 */
export interface PriceRule {
  /** What it applies to: every field given must match; none given applies everywhere. */
  match: { channel?: string; supplier?: string; tag?: string; sku?: string };
  /** A positive decimal string ('1.35' = cost × 1.35); 1 when absent. A string so no float ever holds it. */
  markup?: string;
  /** Minor units of the cost's currency, added after the markup. */
  fixed?: number;
  /** A decimal string from 0 to 100 ('10' = 10 % off), taken off after the markup and the fixed amount. */
  discountPercent?: string;
  /** Minor units of the channel's currency over landed cost that the price never goes below; 0 when absent. */
  minMargin?: number;
}

/**
 * How a channel rounds prices, in its own currency (`hundredth` below: 0.01 of the currency's unit, or the unit
 * itself for a currency with fewer than two decimals, such as JPY):
 * - `none`: as computed;
 * - `whole`: up to the next whole unit (12.01 → 13.00; JPY is already whole);
 * - `to_99`: up to the next amount ending in 99 hundredths (12.00 → 12.99, 12.99 stays; JPY 1201 → 1299; KWD
 *   12.000 → 12.990);
 * - `to_05`: to the nearest 5 hundredths, halves up (Swiss rounding: 12.02 → 12.00, 12.03 → 12.05; KWD 12.025 →
 *   12.050; JPY to the nearest 5 yen).
 */
export type Rounding = 'none' | 'whole' | 'to_99' | 'to_05';

/** One unit of `from` is worth `rate` units of `to` (a decimal string), as `source` gave it at `asOf`. */
export interface ExchangeRate {
  from: string;
  to: string;
  rate: string;
  source: string;
  asOf: string;
}

export interface PriceInput {
  sku: Sku;
  channel: ChannelId;
  channelCurrency: CurrencyCode;
  rounding: Rounding;
  supplier: SupplierId;
  tags: readonly string[];
  /** The chosen offer's unit cost. */
  cost: Money;
  /** Per unit: the cost and its share of fees and shipping, in the cost's currency or the channel's. */
  landedCost: Money;
  /** The minimum advertised price, in the channel's currency. */
  map?: Money | undefined;
}

/** A floor the rule's price fell under: the price is held at the floor, rounded up onto the channel's rounding. */
export interface FloorHeld {
  kind: 'min_margin' | 'map';
  floor: Money;
  wanted: Money;
  held: Money;
}

export type PriceDecision =
  | {
      kind: 'priced';
      price: Money;
      rule: PriceRule;
      /** The rate used, when the cost's currency is not the channel's. */
      rate: ExchangeRate | null;
      floor: FloorHeld | null;
      /** Each step as the operator reads it: 'cost 10.00 USD × 1.35 = 13.50 USD', … */
      steps: string[];
    }
  | { kind: 'unpriced'; reason: string };

export type PriceRuleProblem = {
  field: 'match' | 'markup' | 'fixed' | 'discountPercent' | 'minMargin' | 'rule';
  message: string;
};

/** An exact fraction, den > 0: a decimal string parsed without a float. */
interface Fraction {
  num: bigint;
  den: bigint;
}

/**
 * The price of one SKU on one channel. Steps in order, each rounded half-up to whole minor units: markup, fixed,
 * discount (in the cost's currency), conversion to the channel's currency with the first rate listed for the pair
 * (the caller lists an operator's own rate before a source's; no inverse or cross rates are derived), then the
 * channel's rounding. The floors are landed cost (converted rounding up) + the rule's minimum margin, and the MAP;
 * a price under the higher of them is held at it, rounded up onto the channel's rounding, and reported. No matching
 * rule, an invalid one, a missing rate or money in a currency that does not fit leaves the SKU unpriced. Pure.
 *
 * @example
 * priceFor(
 *   { sku, channel, channelCurrency: currency('EUR'), rounding: 'to_99', supplier, tags: [], cost: money(1000, 'USD'), landedCost: money(1100, 'USD') },
 *   [{ match: { channel: 'web' }, markup: '1.35' }],
 *   [{ from: 'USD', to: 'EUR', rate: '0.92', source: 'ecb', asOf: '2026-12-01' }],
 * );
 * // → { kind: 'priced', price: { amount: 1299, currency: 'EUR' }, rate: { … 'ecb' }, floor: null, steps: ['rule channel web', 'cost 10.00 USD × 1.35 = 13.50 USD', '× 0.92 USD→EUR (ecb 2026-12-01) = 12.42 EUR', 'rounded to_99: 12.99 EUR', …] }
 */
export function priceFor(
  input: PriceInput,
  rules: readonly PriceRule[],
  rates: readonly ExchangeRate[],
): PriceDecision {
  const rule = ruleFor(input, rules);
  if (!rule) return unpriced(`no price rule matches ${input.sku} on channel ${input.channel}`);
  const problems = priceRuleProblems(rule);
  if (problems.length)
    return unpriced(
      `rule ${describeRule(rule)}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
    );
  const misfit = currencyMisfit(input);
  if (misfit) return unpriced(misfit);
  const exchange = exchangeFor(input.cost.currency, input.channelCurrency, rates);
  if (typeof exchange === 'string') return unpriced(exchange);

  const steps = [`rule ${describeRule(rule)}`];
  const retail = retailInCostCurrency(input.cost, rule, steps);
  const converted = exchange ? convert(retail, input.channelCurrency, exchange, 'half_up') : retail;
  if (exchange) steps.push(`× ${exchange.rate.rate} ${describeRate(exchange.rate)} = ${show(converted)}`);
  const wanted = roundPrice(converted, input.rounding);
  steps.push(`rounded ${input.rounding}: ${show(wanted)}`);

  const { kind, floor } = floorOf(input, rule, exchange, steps);
  const rate = exchange?.rate ?? null;
  if (wanted.amount >= floor.amount) return { kind: 'priced', price: wanted, rule, rate, floor: null, steps };
  // Up, whatever the channel's rounding: held at the floor must not mean rounded back under it.
  const held = money(onGrid(floor.amount, floor.currency, input.rounding, 'up'), floor.currency);
  steps.push(`held at ${show(held)}: ${show(wanted)} is under the ${kind} floor ${show(floor)}`);
  return { kind: 'priced', price: held, rule, rate, floor: { kind, floor, wanted, held }, steps };
}

/**
 * The rule for a SKU on a channel: among those whose every given field matches, the most specific (a SKU beats a
 * tag beats a supplier beats a channel, each outweighing all below it together: `{ tag, channel }` beats `{ tag }`
 * and loses to `{ sku }`); of equally specific rules, the first listed. Undefined when none matches.
 *
 * @example
 * ruleFor({ sku, channel, supplier, tags: ['mug'] }, [{ match: { channel: 'web' }, markup: '1.2' }, { match: { tag: 'mug' }, markup: '1.5' }]);
 * // → { match: { tag: 'mug' }, markup: '1.5' }
 */
export function ruleFor(
  input: Pick<PriceInput, 'sku' | 'channel' | 'supplier' | 'tags'>,
  rules: readonly PriceRule[],
): PriceRule | undefined {
  let best: { rule: PriceRule; weight: number } | undefined;
  for (const rule of rules) {
    const { channel, supplier, tag, sku } = rule.match;
    if (channel !== undefined && channel !== input.channel) continue;
    if (supplier !== undefined && supplier !== input.supplier) continue;
    if (tag !== undefined && !input.tags.includes(tag)) continue;
    if (sku !== undefined && sku !== input.sku) continue;
    // Each field outweighs all below it together, so the order is sku > tag > supplier > channel.
    const given = (field: string | undefined, weight: number) => (field === undefined ? 0 : weight);
    const weight = given(sku, 8) + given(tag, 4) + given(supplier, 2) + given(channel, 1);
    if (!best || weight > best.weight) best = { rule, weight };
  }
  return best?.rule;
}

/**
 * An amount rounded by a channel's rule (see {@link Rounding}): up for `whole` and `to_99`, to the nearest for
 * `to_05`, unchanged for `none`. Rounding a rounded amount changes nothing.
 *
 * @example
 * roundPrice(money(1250, 'USD'), 'to_99'); // 12.99 USD
 * roundPrice(money(1203, 'CHF'), 'to_05'); // 12.05 CHF
 * roundPrice(money(1201, 'JPY'), 'to_99'); // ¥1299
 */
export function roundPrice(amount: Money, rounding: Rounding): Money {
  const way = rounding === 'to_05' ? 'nearest' : 'up';
  return money(onGrid(amount.amount, amount.currency, rounding, way), amount.currency);
}

/**
 * A rule's problems for validation: a markup that is not a positive decimal, a discount outside 0–100, a fixed
 * amount or margin that is not a whole number of minor units ≥ 0, an empty match field, or no action at all.
 *
 * @example
 * priceRuleProblems({ match: { sku: 'MUG-1' }, markup: '1.35' }); // []
 * priceRuleProblems({ match: {}, markup: '-1', discountPercent: '120' });
 * // [{ field: 'markup', … }, { field: 'discountPercent', … }]
 */
export function priceRuleProblems(rule: PriceRule): PriceRuleProblem[] {
  const problems: PriceRuleProblem[] = [];
  for (const [field, value] of Object.entries(rule.match))
    if (typeof value !== 'string' || value.trim() === '')
      problems.push({ field: 'match', message: `${field} must be a non-empty string` });
  const markup = rule.markup === undefined ? undefined : parseDecimal(rule.markup);
  if (rule.markup !== undefined && !(markup && markup.num > 0n))
    problems.push({
      field: 'markup',
      message: `must be a positive decimal such as '1.35', got '${rule.markup}'`,
    });
  const discount = rule.discountPercent === undefined ? undefined : parseDecimal(rule.discountPercent);
  if (rule.discountPercent !== undefined && !(discount && discount.num <= 100n * discount.den))
    problems.push({
      field: 'discountPercent',
      message: `must be a decimal from 0 to 100, got '${rule.discountPercent}'`,
    });
  for (const field of ['fixed', 'minMargin'] as const) {
    const value = rule[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0))
      problems.push({ field, message: `must be a whole number of minor units ≥ 0, got ${value}` });
  }
  if ([rule.markup, rule.fixed, rule.discountPercent, rule.minMargin].every((v) => v === undefined))
    problems.push({
      field: 'rule',
      message: 'needs at least one of markup, fixed, discountPercent, minMargin',
    });
  return problems;
}

function unpriced(reason: string): PriceDecision {
  return { kind: 'unpriced', reason };
}

/** Money the engine cannot relate to the cost and the channel: a landed cost or MAP in a third currency. */
function currencyMisfit({ cost, landedCost, map, channelCurrency }: PriceInput): string | null {
  if (landedCost.currency !== cost.currency && landedCost.currency !== channelCurrency)
    return `landed cost is in ${landedCost.currency}, neither the cost's ${cost.currency} nor the channel's ${channelCurrency}`;
  if (map && map.currency !== channelCurrency)
    return `MAP is in ${map.currency}, not the channel's ${channelCurrency}`;
  return null;
}

interface Exchange {
  rate: ExchangeRate;
  factor: Fraction;
}

/** Null when no conversion is needed; a reason when the rate is missing or malformed. */
function exchangeFor(
  from: CurrencyCode,
  to: CurrencyCode,
  rates: readonly ExchangeRate[],
): Exchange | null | string {
  if (from === to) return null;
  const rate = rates.find((r) => r.from === from && r.to === to);
  if (!rate) return `no exchange rate from ${from} to ${to}`;
  const factor = parseDecimal(rate.rate);
  if (!factor || factor.num === 0n)
    return `exchange rate ${describeRate(rate)} is not a positive decimal: '${rate.rate}'`;
  return { rate, factor };
}

/** Markup, fixed and discount, each rounded half-up to the cost currency's minor units. */
function retailInCostCurrency(cost: Money, rule: PriceRule, steps: string[]): Money {
  let price = cost;
  if (rule.markup !== undefined) {
    price = money(multiply(price.amount, parseDecimal(rule.markup)!, 'half_up'), cost.currency);
    steps.push(`cost ${show(cost)} × ${rule.markup} = ${show(price)}`);
  } else steps.push(`cost ${show(cost)}`);
  if (rule.fixed !== undefined) {
    price = money(price.amount + rule.fixed, cost.currency);
    steps.push(`+ ${show(money(rule.fixed, cost.currency))} = ${show(price)}`);
  }
  if (rule.discountPercent !== undefined) {
    const off = parseDecimal(rule.discountPercent)!;
    const kept = { num: 100n * off.den - off.num, den: 100n * off.den };
    price = money(multiply(price.amount, kept, 'half_up'), cost.currency);
    steps.push(`− ${rule.discountPercent} % = ${show(price)}`);
  }
  return price;
}

/** The higher of landed cost + minimum margin and MAP (MAP on a tie), in the channel's currency. */
function floorOf(
  input: PriceInput,
  rule: PriceRule,
  exchange: Exchange | null,
  steps: string[],
): { kind: FloorHeld['kind']; floor: Money } {
  const to = input.channelCurrency;
  // Rounded up: a floor converted half-down could let the price dip under the true landed cost.
  const landed =
    exchange && input.landedCost.currency !== to
      ? convert(input.landedCost, to, exchange, 'up')
      : input.landedCost;
  const margin = money(landed.amount + (rule.minMargin ?? 0), to);
  const shownLanded =
    landed === input.landedCost ? show(landed) : `${show(input.landedCost)} → ${show(landed)}`;
  steps.push(
    `floor: landed ${shownLanded} + margin ${show(money(rule.minMargin ?? 0, to))} = ${show(margin)}`,
  );
  if (!input.map) return { kind: 'min_margin', floor: margin };
  steps.push(`floor: MAP ${show(input.map)}`);
  return input.map.amount >= margin.amount
    ? { kind: 'map', floor: input.map }
    : { kind: 'min_margin', floor: margin };
}

/** amount × rate, moved between the currencies' minor units (USD 2 → JPY 0: ÷ 100; USD 2 → KWD 3: × 10). */
function convert(amount: Money, to: CurrencyCode, exchange: Exchange, way: 'half_up' | 'up'): Money {
  const shift = minorUnitDigits(to) - minorUnitDigits(amount.currency);
  const by = {
    num: exchange.factor.num * 10n ** BigInt(Math.max(shift, 0)),
    den: exchange.factor.den * 10n ** BigInt(Math.max(-shift, 0)),
  };
  return money(multiply(amount.amount, by, way), to);
}

// Each rounding's grid as [step, offset] in minor units, from the currency's hundredth (0.01 of its unit, or the
// unit itself when it has fewer than two decimals) and its whole unit.
const GRIDS: Record<Rounding, (hundredth: number, unit: number) => [number, number]> = {
  none: () => [1, 0],
  whole: (_hundredth, unit) => [unit, 0],
  to_99: (hundredth) => [100 * hundredth, hundredth],
  to_05: (hundredth) => [5 * hundredth, 0],
};

/**
 * The amount put on the rounding's grid: multiples of `step` minor units less `offset` (to_99 in USD: step 100,
 * offset 1, so …99). `up`: the least grid point ≥ amount; `nearest`: the nearer neighbour, halves up.
 */
function onGrid(amount: number, code: CurrencyCode, rounding: Rounding, way: 'up' | 'nearest'): number {
  const digits = minorUnitDigits(code);
  const [step, offset] = GRIDS[rounding](10 ** Math.max(digits - 2, 0), 10 ** digits);
  const over = (((amount + offset) % step) + step) % step;
  if (over === 0) return amount;
  const up = amount + step - over;
  return way === 'nearest' && 2 * over < step ? up - step : up;
}

/** A plain non-negative decimal ('1.35', '0.92', '10') as an exact fraction; undefined for anything else. */
function parseDecimal(text: string): Fraction | undefined {
  const parts = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!parts) return undefined;
  const decimals = parts[2] ?? '';
  return { num: BigInt(parts[1]! + decimals), den: 10n ** BigInt(decimals.length) };
}

/** amount × fraction in whole minor units: halves up (toward +∞: 2.5 → 3, 2.4 → 2), or always up (2.1 → 3). */
function multiply(amount: number, by: Fraction, way: 'half_up' | 'up'): number {
  const num = BigInt(amount) * by.num;
  return Number(way === 'up' ? -floorDiv(-num, by.den) : floorDiv(2n * num + by.den, 2n * by.den));
}

function floorDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den !== 0n && num < 0n ? q - 1n : q;
}

function show(m: Money): string {
  return `${toDecimalString(m)} ${m.currency}`;
}

function describeRule(rule: PriceRule): string {
  const fields = (['sku', 'tag', 'supplier', 'channel'] as const).filter((f) => rule.match[f] !== undefined);
  return fields.length ? fields.map((f) => `${f} ${rule.match[f]}`).join(', ') : 'for everything';
}

function describeRate(rate: ExchangeRate): string {
  return `${rate.from}→${rate.to} (${rate.source} ${rate.asOf})`;
}
