import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { figuresOf, paidForLine, type LineCharges } from './charges.ts';
import { money } from './money.ts';
import { refundShare, unitsWorth } from './refund-share.ts';

const usd = (amount: number) => money(amount, 'USD');

/** A line as a channel charges it: a unit price, a discount no larger than the line, taxes on what is left. */
const chargedLine = fc
  .record({
    unit: fc.integer({ min: 0, max: 500_000 }),
    quantity: fc.integer({ min: 1, max: 40 }),
    discountShare: fc.double({ min: 0, max: 1, noNaN: true }),
    rates: fc.array(fc.integer({ min: 0, max: 2_500 }), { maxLength: 3 }),
    taxesIncluded: fc.boolean(),
  })
  .map(({ unit, quantity, discountShare, rates, taxesIncluded }) => {
    const subtotal = unit * quantity;
    const discount = Math.floor(subtotal * discountShare);
    const base = subtotal - discount;
    const taxes = rates.map((bp, i) => ({
      title: `tax ${i}`,
      rate: null,
      id: String(i + 1),
      amount: usd(Math.round((base * bp) / 10_000)),
    }));
    const tax = taxes.reduce((n, t) => n + t.amount.amount, 0);
    const line: LineCharges = {
      subtotal: usd(subtotal),
      discount: usd(discount),
      taxes,
      total: usd(base + (taxesIncluded ? 0 : tax)),
    };
    return { line, quantity, taxesIncluded };
  });

/** The line's units cut into refunds of random sizes (every unit once). */
const refundsOf = (quantity: number) =>
  fc.array(fc.integer({ min: 1, max: quantity }), { minLength: 1, maxLength: quantity }).map((sizes) => {
    const cuts: number[] = [];
    let left = quantity;
    for (const size of sizes) {
      if (left === 0) break;
      const take = Math.min(size, left);
      cuts.push(take);
      left -= take;
    }
    if (left > 0) cuts.push(left);
    return cuts;
  });

describe('refundShare', () => {
  it('splits 3 units of 10.00 and 1.90 tax: 3.33 + 0.63 each, the last unit takes the remainder', () => {
    const line: LineCharges = {
      subtotal: usd(1000),
      discount: usd(0),
      taxes: [{ title: 'VAT', rate: '0.19', id: '7', amount: usd(190) }],
      total: usd(1190),
    };
    const first = refundShare(line, { quantity: 3, alreadyRefunded: 0, units: 2, taxesIncluded: false });
    const last = refundShare(line, { quantity: 3, alreadyRefunded: 2, units: 1, taxesIncluded: false });
    expect([first.net.amount, first.taxes[0]!.amount.amount, first.total.amount]).toEqual([666, 126, 792]);
    expect([last.net.amount, last.taxes[0]!.amount.amount, last.total.amount]).toEqual([334, 64, 398]);
    expect(first.taxes[0]!.id).toBe('7');
  });

  it('gives back what was paid after discounts, tax included or not', () => {
    const line: LineCharges = {
      subtotal: usd(5998),
      discount: usd(571),
      taxes: [{ title: 'VAT', rate: '0.19', amount: usd(866) }],
      total: usd(5427),
    };
    expect(
      refundShare(line, { quantity: 2, alreadyRefunded: 0, units: 2, taxesIncluded: true }).total.amount,
    ).toBe(5427);
    expect(
      refundShare(line, { quantity: 2, alreadyRefunded: 0, units: 2, taxesIncluded: false }).total.amount,
    ).toBe(5427 + 866);
  });

  it('refuses more units than are left, and none', () => {
    const line: LineCharges = { subtotal: usd(100), discount: usd(0), taxes: [], total: usd(100) };
    expect(() =>
      refundShare(line, { quantity: 2, alreadyRefunded: 1, units: 2, taxesIncluded: false }),
    ).toThrow(RangeError);
    expect(() =>
      refundShare(line, { quantity: 2, alreadyRefunded: 0, units: 0, taxesIncluded: false }),
    ).toThrow(RangeError);
  });

  it('the refunds of every unit of a line, in any cut, sum exactly to what was charged for it, tax by tax (property)', () => {
    fc.assert(
      fc.property(
        chargedLine.chain((c) => refundsOf(c.quantity).map((cuts) => ({ ...c, cuts }))),
        ({ line, quantity, taxesIncluded, cuts }) => {
          let refunded = 0;
          let total = 0;
          let net = 0;
          const taxes = new Map<string | null, number>();
          for (const units of cuts) {
            const share = refundShare(line, { quantity, alreadyRefunded: refunded, units, taxesIncluded });
            refunded += units;
            total += share.total.amount;
            net += share.net.amount;
            for (const t of share.taxes) taxes.set(t.id, (taxes.get(t.id) ?? 0) + t.amount.amount);
            expect(share.total.amount).toBeGreaterThanOrEqual(0);
          }
          expect(refunded).toBe(quantity);
          expect(total).toBe(paidForLine(line, taxesIncluded));
          expect(total).toBe(line.total.amount);
          expect(net).toBe(line.subtotal.amount - line.discount.amount);
          for (const t of line.taxes) expect(taxes.get(t.id ?? null)).toBe(t.amount.amount);
        },
      ),
    );
  });

  it('whole orders: lines with discounts, taxes and shipping, refunded unit by unit in random order, return every cent once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(chargedLine, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.boolean(),
        fc.infiniteStream(fc.nat()),
        (lines, shipping, taxesIncluded, seeds) => {
          const charges = lines.map((l) =>
            taxesIncluded === l.taxesIncluded
              ? l.line
              : { ...l.line, total: usd(paidForLine(l.line, taxesIncluded)) },
          );
          // Every unit of every line, shuffled; refunded one at a time in that order.
          const units = lines
            .flatMap((l, i) => Array.from({ length: l.quantity }, () => i))
            .map((i) => ({ i, k: seeds.next().value }))
            .sort((a, b) => a.k - b.k);
          const done = lines.map(() => 0);
          let back = 0;
          for (const { i } of units) {
            back += refundShare(charges[i]!, {
              quantity: lines[i]!.quantity,
              alreadyRefunded: done[i]!,
              units: 1,
              taxesIncluded,
            }).total.amount;
            done[i]!++;
          }
          const parts = {
            taxesIncluded,
            shipping: [{ title: 'Shipping', price: usd(shipping), discount: usd(0), taxes: [] }],
            fees: [],
          };
          const order = figuresOf(charges, parts, money(0, 'USD').currency);
          // What the lines cost, all of it and no more; the shipping stays (it is no line's).
          expect(back).toBe(order.total.amount - shipping);
        },
      ),
    );
  });
});

describe('unitsWorth', () => {
  it('gives each unit the floor and the last unit the rest', () => {
    expect([0, 1, 2].map((u) => unitsWorth(1000, 3, u, 1))).toEqual([333, 333, 334]);
    expect(unitsWorth(1000, 3, 0, 3)).toBe(1000);
  });
});
