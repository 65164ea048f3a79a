import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChannelId, Sku, SupplierId } from './ids.ts';
import { currency, minorUnitDigits, money, type CurrencyCode } from './money.ts';
import {
  priceFor,
  priceRuleProblems,
  roundPrice,
  ruleFor,
  type ExchangeRate,
  type PriceInput,
  type PriceRule,
  type Rounding,
} from './pricing.ts';

const USD = currency('USD');
const EUR = currency('EUR');
const JPY = currency('JPY');
const KWD = currency('KWD');
const CHF = currency('CHF');

/** A mug from Acme on the web shop, priced in USD at 10.00 cost and landed cost, rounded not at all. */
function input(over: Partial<PriceInput> = {}): PriceInput {
  return {
    sku: 'MUG-1' as Sku,
    channel: 'web' as ChannelId,
    channelCurrency: USD,
    rounding: 'none',
    supplier: 'acme' as SupplierId,
    tags: ['mug', 'kitchen'],
    cost: money(1000, 'USD'),
    landedCost: money(1000, 'USD'),
    ...over,
  };
}

const rate = (from: string, to: string, value: string, source = 'ecb'): ExchangeRate => ({
  from,
  to,
  rate: value,
  source,
  asOf: '2026-12-01',
});
const RATES = [rate('USD', 'EUR', '0.92'), rate('EUR', 'JPY', '161.235'), rate('USD', 'KWD', '0.3075')];

function priced(over: Partial<PriceInput>, rule: Omit<PriceRule, 'match'>, rates = RATES) {
  const decision = priceFor(input(over), [{ match: { channel: 'web' }, ...rule }], rates);
  if (decision.kind !== 'priced') throw new Error(`unpriced: ${decision.reason}`);
  return decision;
}

describe('priceFor: markup, fixed, discount', () => {
  it.each<[string, number, Omit<PriceRule, 'match'>, number]>([
    ['a markup', 1000, { markup: '1.35' }, 1350],
    ['a markup, halves rounded up', 3, { markup: '1.5' }, 5],
    ['a markup under a half rounded down', 999, { markup: '1.3354' }, 1334],
    ['a markup with more decimals than the currency', 999, { markup: '1.335' }, 1334],
    ['a fixed amount alone', 1000, { fixed: 250 }, 1250],
    ['a markup then a fixed amount', 1000, { markup: '1.2', fixed: 250 }, 1450],
    ['a discount after the markup', 1000, { markup: '1.5', discountPercent: '10' }, 1350],
    ['a discount after markup and fixed', 1000, { markup: '1.5', fixed: 500, discountPercent: '25' }, 1500],
    ['a fractional discount, rounded down under a half', 999, { markup: '2', discountPercent: '12.5' }, 1748],
    ['a fractional discount, halves rounded up', 1001, { discountPercent: '12.5' }, 876],
  ])('%s: cost %i → %i', (_name, cost, rule, expected) => {
    const decision = priced({ cost: money(cost, 'USD'), landedCost: money(0, 'USD') }, rule);
    expect(decision.price).toEqual(money(expected, 'USD'));
    expect(decision.rate).toBeNull();
    expect(decision.floor).toBeNull();
  });

  it('explains every step in the currency it happens in', () => {
    const decision = priced(
      { landedCost: money(1100, 'USD'), channelCurrency: EUR, rounding: 'to_99' },
      { markup: '1.35', fixed: 200, discountPercent: '10' },
    );
    expect(decision.steps).toEqual([
      'rule channel web',
      'cost 10.00 USD × 1.35 = 13.50 USD',
      '+ 2.00 USD = 15.50 USD',
      '− 10 % = 13.95 USD',
      '× 0.92 USD→EUR (ecb 2026-12-01) = 12.83 EUR',
      'rounded to_99: 12.99 EUR',
      'floor: landed 11.00 USD → 10.12 EUR + margin 0.00 EUR = 10.12 EUR',
    ]);
  });
});

describe('roundPrice', () => {
  it.each<[CurrencyCode, Rounding, number, number]>([
    [USD, 'none', 1234, 1234],
    [USD, 'whole', 1201, 1300],
    [USD, 'whole', 1200, 1200],
    [USD, 'to_99', 1200, 1299],
    [USD, 'to_99', 1250, 1299],
    [USD, 'to_99', 1299, 1299],
    [USD, 'to_99', 1300, 1399],
    [USD, 'to_99', 0, 99],
    [USD, 'to_05', 1202, 1200],
    [USD, 'to_05', 1203, 1205],
    [USD, 'to_05', 1207, 1205],
    [USD, 'to_05', 1208, 1210],
    [EUR, 'none', 1999, 1999],
    [EUR, 'whole', 1999, 2000],
    [EUR, 'to_99', 1901, 1999],
    [EUR, 'to_05', 1997, 1995],
    [CHF, 'to_05', 1297, 1295],
    [CHF, 'to_05', 1298, 1300],
    [JPY, 'none', 1201, 1201],
    [JPY, 'whole', 1201, 1201],
    [JPY, 'to_99', 1201, 1299],
    [JPY, 'to_99', 1299, 1299],
    [JPY, 'to_99', 1300, 1399],
    [JPY, 'to_05', 1202, 1200],
    [JPY, 'to_05', 1203, 1205],
    [KWD, 'none', 12_345, 12_345],
    [KWD, 'whole', 12_001, 13_000],
    [KWD, 'whole', 12_000, 12_000],
    [KWD, 'to_99', 12_000, 12_990],
    [KWD, 'to_99', 12_990, 12_990],
    [KWD, 'to_99', 12_991, 13_990],
    [KWD, 'to_05', 12_024, 12_000],
    [KWD, 'to_05', 12_025, 12_050],
    [KWD, 'to_05', 12_074, 12_050],
    [KWD, 'to_05', 12_075, 12_100],
  ])('%s %s: %i → %i', (code, rounding, amount, expected) => {
    expect(roundPrice(money(amount, code), rounding)).toEqual(money(expected, code));
  });
});

describe('priceFor: conversion to the channel currency', () => {
  it('converts USD → EUR after markup and records the rate', () => {
    const decision = priced({ channelCurrency: EUR, landedCost: money(0, 'USD') }, { markup: '1.35' });
    expect(decision.price).toEqual(money(1242, 'EUR'));
    expect(decision.rate).toEqual(rate('USD', 'EUR', '0.92'));
  });

  it('converts EUR (2 decimals) → JPY (none), halves up, and records the rate', () => {
    const decision = priced(
      { cost: money(1500, 'EUR'), landedCost: money(0, 'EUR'), channelCurrency: JPY },
      { markup: '1' },
    );
    // 15.00 × 161.235 = 2418.525 yen.
    expect(decision.price).toEqual(money(2419, 'JPY'));
    expect(decision.rate).toEqual(rate('EUR', 'JPY', '161.235'));
    expect(decision.steps).toContain('× 161.235 EUR→JPY (ecb 2026-12-01) = 2419 JPY');
  });

  it('converts USD (2 decimals) → KWD (3) and JPY (none) → USD', () => {
    // 12.34 × 0.3075 = 3.79455 dinar.
    const kwd = priced(
      { cost: money(1234, 'USD'), landedCost: money(0, 'USD'), channelCurrency: KWD },
      { fixed: 0 },
    );
    expect(kwd.price).toEqual(money(3795, 'KWD'));
    const usd = priced(
      { cost: money(1000, 'JPY'), landedCost: money(0, 'JPY'), channelCurrency: USD },
      { fixed: 0 },
      [rate('JPY', 'USD', '0.0062', 'operator')],
    );
    expect(usd.price).toEqual(money(620, 'USD'));
    expect(usd.rate?.source).toBe('operator');
  });

  it('uses the first rate listed for the pair (an operator rate listed before a source)', () => {
    const decision = priced({ channelCurrency: EUR, landedCost: money(0, 'USD') }, { fixed: 0 }, [
      rate('USD', 'EUR', '0.90', 'operator'),
      rate('USD', 'EUR', '0.92', 'ecb'),
    ]);
    expect(decision.price).toEqual(money(900, 'EUR'));
    expect(decision.rate?.source).toBe('operator');
  });

  it('converts landed cost rounding up, so the floor never sits under it', () => {
    // 10.01 USD × 0.92 = 9.2092 EUR: the floor is 9.21.
    const decision = priced({ channelCurrency: EUR, landedCost: money(1001, 'USD') }, { markup: '0.9' });
    expect(decision.floor).toEqual({
      kind: 'min_margin',
      floor: money(921, 'EUR'),
      wanted: money(828, 'EUR'),
      held: money(921, 'EUR'),
    });
  });

  it('holds a price in yen at the MAP, rounded up to the next ¥…99', () => {
    const decision = priced(
      { cost: money(1000, 'EUR'), landedCost: money(1000, 'EUR'), channelCurrency: JPY, rounding: 'to_99' },
      { markup: '1' },
      RATES,
    );
    expect(decision.price).toEqual(money(1699, 'JPY'));
    const held = priced(
      {
        cost: money(1000, 'EUR'),
        landedCost: money(1000, 'EUR'),
        channelCurrency: JPY,
        rounding: 'to_99',
        map: money(2500, 'JPY'),
      },
      { markup: '1' },
    );
    expect(held.floor).toEqual({
      kind: 'map',
      floor: money(2500, 'JPY'),
      wanted: money(1699, 'JPY'),
      held: money(2599, 'JPY'),
    });
  });

  it('takes a landed cost already in the channel currency as it is', () => {
    const decision = priced({ channelCurrency: EUR, landedCost: money(1000, 'EUR') }, { markup: '1' });
    expect(decision.floor?.floor).toEqual(money(1000, 'EUR'));
  });
});

describe('priceFor: floors', () => {
  const cost = { cost: money(1000, 'USD'), landedCost: money(1200, 'USD') };

  // Amounts in USD minor units.
  type Held = { kind: 'min_margin' | 'map'; floor: number; wanted: number; held: number };
  it.each<[string, Partial<PriceInput>, Omit<PriceRule, 'match'>, Held | null]>([
    ['no floor binds', { map: money(1000, 'USD') }, { markup: '1.5', minMargin: 300 }, null],
    [
      'the minimum margin binds',
      {},
      { markup: '1.1', minMargin: 300 },
      { kind: 'min_margin', floor: 1500, wanted: 1100, held: 1500 },
    ],
    [
      'the minimum margin binds, held rounded up onto .99',
      { rounding: 'to_99' },
      { markup: '1.1', minMargin: 300 },
      { kind: 'min_margin', floor: 1500, wanted: 1199, held: 1599 },
    ],
    [
      'nearest rounding fell under the floor: held at the next 0.05 up',
      { rounding: 'to_05', landedCost: money(1000, 'USD') },
      { markup: '1.202', minMargin: 202 },
      { kind: 'min_margin', floor: 1202, wanted: 1200, held: 1205 },
    ],
    [
      'the MAP binds',
      { map: money(1999, 'USD') },
      { markup: '1.35' },
      { kind: 'map', floor: 1999, wanted: 1350, held: 1999 },
    ],
    [
      'the MAP binds, held rounded up to whole',
      { map: money(1950, 'USD'), rounding: 'whole' },
      { markup: '1.35' },
      { kind: 'map', floor: 1950, wanted: 1400, held: 2000 },
    ],
    [
      'both bind, the MAP higher',
      { map: money(1800, 'USD') },
      { markup: '1.1', minMargin: 300 },
      { kind: 'map', floor: 1800, wanted: 1100, held: 1800 },
    ],
    [
      'both bind, the margin higher',
      { map: money(1400, 'USD') },
      { markup: '1.1', minMargin: 300 },
      { kind: 'min_margin', floor: 1500, wanted: 1100, held: 1500 },
    ],
    [
      'both bind at the same amount: reported as the MAP',
      { map: money(1500, 'USD') },
      { markup: '1.1', minMargin: 300 },
      { kind: 'map', floor: 1500, wanted: 1100, held: 1500 },
    ],
    [
      'no minimum margin: never under landed cost',
      {},
      { discountPercent: '100' },
      { kind: 'min_margin', floor: 1200, wanted: 0, held: 1200 },
    ],
  ])('%s', (_name, over, rule, expected) => {
    const decision = priced({ ...cost, ...over }, rule);
    const usd = (amount: number) => money(amount, 'USD');
    if (expected === null) expect(decision.floor).toBeNull();
    else {
      const { kind, floor, wanted, held } = expected;
      expect(decision.floor).toEqual({ kind, floor: usd(floor), wanted: usd(wanted), held: usd(held) });
      expect(decision.price).toEqual(usd(held));
      expect(decision.steps.at(-1)).toMatch(/^held at /);
    }
  });

  it('says why a price is held', () => {
    const decision = priced({ ...cost, map: money(1999, 'USD') }, { markup: '1.35' });
    expect(decision.steps.slice(-2)).toEqual([
      'floor: MAP 19.99 USD',
      'held at 19.99 USD: 13.50 USD is under the map floor 19.99 USD',
    ]);
  });
});

describe('ruleFor: the most specific rule wins', () => {
  const channelWide: PriceRule = { match: { channel: 'web' }, markup: '1.1' };
  const bySupplier: PriceRule = { match: { supplier: 'acme' }, markup: '1.2' };
  const byTag: PriceRule = { match: { tag: 'mug' }, markup: '1.3' };
  const bySku: PriceRule = { match: { sku: 'MUG-1' }, markup: '1.4' };
  const otherChannel: PriceRule = { match: { channel: 'market', sku: 'MUG-1' }, markup: '9' };
  const everywhere: PriceRule = { match: {}, markup: '1.05' };

  // The winner by its place in the list, or null when none matches.
  it.each<[string, PriceRule[], number | null]>([
    ['sku beats tag, supplier and channel-wide', [channelWide, bySupplier, byTag, bySku], 3],
    ['sku wins listed first too', [bySku, byTag, bySupplier, channelWide], 0],
    ['tag beats supplier and channel-wide', [channelWide, bySupplier, byTag], 2],
    ['supplier beats channel-wide', [bySupplier, channelWide], 0],
    ['channel-wide beats a rule for everywhere', [everywhere, channelWide], 1],
    ['a rule for everywhere applies alone', [everywhere], 0],
    ['a rule for another channel never applies', [otherChannel, channelWide], 1],
    ['nothing matches', [otherChannel, { match: { tag: 'lamp' }, markup: '2' }], null],
    ['tag + channel beats tag', [{ match: { tag: 'mug', channel: 'web' }, markup: '1.6' }, byTag], 0],
    [
      'sku beats tag + supplier + channel',
      [{ match: { tag: 'mug', supplier: 'acme', channel: 'web' } }, bySku],
      1,
    ],
    ['of equals, the first listed', [{ match: { tag: 'kitchen' }, markup: '1.7' }, byTag], 0],
    ['every given field must match', [{ match: { sku: 'MUG-1', supplier: 'other' }, markup: '3' }], null],
  ])('%s', (_name, rules, winner) => {
    expect(ruleFor(input(), rules)).toBe(winner === null ? undefined : rules[winner]);
  });

  it('prices with the winner', () => {
    const rules = [channelWide, bySku, otherChannel, byTag];
    expect(priceFor(input({ landedCost: money(0, 'USD') }), rules, [])).toMatchObject({
      kind: 'priced',
      price: money(1400, 'USD'),
      rule: bySku,
    });
  });
});

describe('priceFor: unpriced', () => {
  it.each<[string, Partial<PriceInput>, PriceRule[], ExchangeRate[], string]>([
    ['no rule', {}, [], RATES, 'no price rule matches MUG-1 on channel web'],
    [
      "only another channel's rule",
      {},
      [{ match: { channel: 'market' }, markup: '2' }],
      RATES,
      'no price rule matches MUG-1 on channel web',
    ],
    [
      'no rate for the pair',
      { channelCurrency: CHF },
      [{ match: {}, markup: '2' }],
      RATES,
      'no exchange rate from USD to CHF',
    ],
    [
      'only the inverse rate',
      { channelCurrency: EUR },
      [{ match: {}, markup: '2' }],
      [rate('EUR', 'USD', '1.08')],
      'no exchange rate from USD to EUR',
    ],
    [
      'a malformed rate',
      { channelCurrency: EUR },
      [{ match: {}, markup: '2' }],
      [rate('USD', 'EUR', '0,92')],
      "exchange rate USD→EUR (ecb 2026-12-01) is not a positive decimal: '0,92'",
    ],
    [
      'a zero rate',
      { channelCurrency: EUR },
      [{ match: {}, markup: '2' }],
      [rate('USD', 'EUR', '0.00')],
      "exchange rate USD→EUR (ecb 2026-12-01) is not a positive decimal: '0.00'",
    ],
    [
      'an invalid rule',
      {},
      [{ match: { sku: 'MUG-1' }, markup: '1,35' }],
      RATES,
      "rule sku MUG-1: markup must be a positive decimal such as '1.35', got '1,35'",
    ],
    [
      'a landed cost in a third currency',
      { channelCurrency: EUR, landedCost: money(1000, 'JPY') },
      [{ match: {}, markup: '2' }],
      RATES,
      "landed cost is in JPY, neither the cost's USD nor the channel's EUR",
    ],
    [
      'a MAP in another currency',
      { map: money(1000, 'EUR') },
      [{ match: {}, markup: '2' }],
      RATES,
      "MAP is in EUR, not the channel's USD",
    ],
  ])('%s', (_name, over, rules, rates, reason) => {
    expect(priceFor(input(over), rules, rates)).toEqual({ kind: 'unpriced', reason });
  });
});

describe('priceRuleProblems', () => {
  it.each<[PriceRule, string[]]>([
    [{ match: { sku: 'MUG-1' }, markup: '1.35' }, []],
    [{ match: {}, markup: '0.5', fixed: 0, discountPercent: '0', minMargin: 0 }, []],
    [{ match: {}, discountPercent: '100' }, []],
    [{ match: {}, minMargin: 300 }, []],
    [{ match: {}, markup: '0' }, ['markup']],
    [{ match: {}, markup: '-1.2' }, ['markup']],
    [{ match: {}, markup: '1e2' }, ['markup']],
    [{ match: {}, markup: '' }, ['markup']],
    [{ match: {}, discountPercent: '100.01' }, ['discountPercent']],
    [{ match: {}, discountPercent: '-5' }, ['discountPercent']],
    [{ match: {}, fixed: 1.5 }, ['fixed']],
    [{ match: {}, fixed: -100 }, ['fixed']],
    [{ match: {}, minMargin: Number.NaN }, ['minMargin']],
    [{ match: { sku: '' }, markup: '1.1' }, ['match']],
    [{ match: { channel: 'web' } }, ['rule']],
    [{ match: {}, markup: 'x', discountPercent: '120' }, ['markup', 'discountPercent']],
  ])('%j → %j', (rule, fields) => {
    const problems = priceRuleProblems(rule);
    expect(problems.map((p) => p.field)).toEqual(fields);
    for (const p of problems) expect(p.message).not.toBe('');
  });
});

describe('pricing properties', () => {
  const CODES = [USD, EUR, JPY, KWD, CHF];
  const ROUNDINGS: Rounding[] = ['none', 'whole', 'to_99', 'to_05'];
  // Each mode's grid by currency, written out rather than derived: step, and what a to_99 price ends in.
  const STEP: Record<string, Record<Rounding, number>> = {
    USD: { none: 1, whole: 100, to_99: 100, to_05: 5 },
    EUR: { none: 1, whole: 100, to_99: 100, to_05: 5 },
    CHF: { none: 1, whole: 100, to_99: 100, to_05: 5 },
    JPY: { none: 1, whole: 1, to_99: 100, to_05: 5 },
    KWD: { none: 1, whole: 1000, to_99: 1000, to_05: 50 },
  };
  const ENDS_99: Record<string, number> = { USD: 99, EUR: 99, CHF: 99, JPY: 99, KWD: 990 };

  // A positive decimal string up to `max`, with up to `scale` decimals ('1', '0.92', '161.235').
  const decimal = (max: number, scale: number) =>
    fc.integer({ min: 0, max: scale }).chain((s) =>
      fc.integer({ min: 1, max: max * 10 ** s }).map((units) => {
        const text = units.toString().padStart(s + 1, '0');
        return s === 0 ? text : `${text.slice(0, -s)}.${text.slice(-s)}`;
      }),
    );
  const arbRule = fc.record(
    {
      markup: decimal(10, 3),
      fixed: fc.integer({ min: 0, max: 10_000 }),
      discountPercent: fc.integer({ min: 0, max: 10_000 }).map((c) => (c / 100).toString()),
      minMargin: fc.integer({ min: 0, max: 100_000 }),
    },
    { requiredKeys: [] },
  );
  const arbCase = fc.record({
    costCurrency: fc.constantFrom(...CODES),
    channelCurrency: fc.constantFrom(...CODES),
    cost: fc.integer({ min: 0, max: 10_000_000 }),
    extra: fc.integer({ min: 0, max: 1_000_000 }),
    landedInChannel: fc.boolean(),
    map: fc.option(fc.integer({ min: 0, max: 50_000_000 }), { nil: undefined }),
    rounding: fc.constantFrom(...ROUNDINGS),
    rule: arbRule,
    rates: fc.tuple(...CODES.flatMap(() => CODES.map(() => decimal(1000, 4)))),
  });
  type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

  function setUp(c: Case) {
    const rates = CODES.flatMap((from, i) =>
      CODES.map((to, j) => rate(from, to, c.rates[i * CODES.length + j]!)),
    ).filter((r) => r.from !== r.to);
    const landedCurrency = c.landedInChannel ? c.channelCurrency : c.costCurrency;
    const priceInput = input({
      channelCurrency: c.channelCurrency,
      rounding: c.rounding,
      cost: money(c.cost, c.costCurrency),
      landedCost: money(c.cost + c.extra, landedCurrency),
      map: c.map === undefined ? undefined : money(c.map, c.channelCurrency),
    });
    const rules: PriceRule[] = [{ match: { sku: 'MUG-1' }, ...c.rule, fixed: c.rule.fixed ?? 0 }];
    return { priceInput, rules, rates };
  }

  it('never prices under a floor, and a price is always on the rounding grid', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { priceInput, rules, rates } = setUp(c);
        const decision = priceFor(priceInput, rules, rates);
        if (decision.kind !== 'priced') throw new Error(decision.reason);
        const { price } = decision;
        expect(price.currency).toBe(c.channelCurrency);
        if (priceInput.map) expect(price.amount).toBeGreaterThanOrEqual(priceInput.map.amount);
        // price − margin ≥ landed × rate exactly, cross-multiplied so no float or rounding is involved.
        const landed = priceInput.landedCost;
        const used = landed.currency === c.channelCurrency ? '1' : decision.rate!.rate;
        const [whole, frac = ''] = used.split('.');
        const rateNum = BigInt(whole! + frac);
        const rateDen = 10n ** BigInt(frac.length);
        const left =
          BigInt(price.amount - (c.rule.minMargin ?? 0)) *
          rateDen *
          10n ** BigInt(minorUnitDigits(landed.currency));
        const right = BigInt(landed.amount) * rateNum * 10n ** BigInt(minorUnitDigits(c.channelCurrency));
        expect(left >= right).toBe(true);
        expect(roundPrice(price, c.rounding)).toEqual(price);
      }),
    );
  });

  it('keeps all money integer minor units', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { priceInput, rules, rates } = setUp(c);
        const decision = priceFor(priceInput, rules, rates);
        if (decision.kind !== 'priced') throw new Error(decision.reason);
        const amounts = [
          decision.price,
          ...(decision.floor ? [decision.floor.floor, decision.floor.wanted, decision.floor.held] : []),
        ];
        for (const m of amounts) expect(Number.isSafeInteger(m.amount)).toBe(true);
      }),
    );
  });

  it('records the rate exactly when the currencies differ', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { priceInput, rules, rates } = setUp(c);
        const decision = priceFor(priceInput, rules, rates);
        if (decision.kind !== 'priced') throw new Error(decision.reason);
        if (c.costCurrency === c.channelCurrency) expect(decision.rate).toBeNull();
        else {
          expect(decision.rate).toMatchObject({ from: c.costCurrency, to: c.channelCurrency });
          expect(decision.steps.some((s) => s.includes(`${c.costCurrency}→${c.channelCurrency}`))).toBe(true);
        }
      }),
    );
  });

  it('decides the same every time', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const first = setUp(c);
        const second = setUp(c);
        expect(priceFor(first.priceInput, first.rules, first.rates)).toEqual(
          priceFor(second.priceInput, second.rules, second.rates),
        );
      }),
    );
  });

  const arbAmount = fc.record({
    code: fc.constantFrom(...CODES),
    amount: fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
    rounding: fc.constantFrom(...ROUNDINGS),
  });

  it('rounds idempotently', () => {
    fc.assert(
      fc.property(arbAmount, ({ code, amount, rounding }) => {
        const once = roundPrice(money(amount, code), rounding);
        expect(roundPrice(once, rounding)).toEqual(once);
      }),
    );
  });

  it('rounds up within one step for whole and to_99, to the nearest for to_05, and not at all for none', () => {
    fc.assert(
      fc.property(arbAmount, ({ code, amount, rounding }) => {
        const rounded = roundPrice(money(amount, code), rounding).amount;
        const step = STEP[code]![rounding];
        expect(Number.isSafeInteger(rounded)).toBe(true);
        if (rounding === 'none') expect(rounded).toBe(amount);
        else if (rounding === 'to_05') expect(Math.abs(rounded - amount) * 2).toBeLessThanOrEqual(step);
        else {
          expect(rounded).toBeGreaterThanOrEqual(amount);
          expect(rounded - amount).toBeLessThan(step);
        }
        if (rounding === 'to_99') expect(((rounded % step) + step) % step).toBe(ENDS_99[code]);
        else expect(((rounded % step) + step) % step).toBe(0);
      }),
    );
  });
});
