import { money, type CurrencyCode, type Money } from './money.ts';

/**
 * An order's money as the channel charged it: what each line, each shipping line and each fee cost, the discounts
 * allocated to each, their taxes, and the channel's own order figures. Integer minor units of the order's currency
 * throughout; nothing here is recomputed from list prices, so refunds, margin and reconciliation start from the truth.
 *
 * @example
 * // 2 × 12.50 with 5.00 off and 19 % VAT included: total 20.00, of which 3.19 tax.
 * const line: LineCharges = { subtotal: eur(2500), discount: eur(500), taxes: [{ title: 'VAT', rate: '0.19', amount: eur(319) }], total: eur(2000) };
 */
export interface TaxLine {
  title: string;
  /** The rate as the channel states it, a decimal fraction ("0.19"), or null when it gives none (WooCommerce's tax ids). */
  rate: string | null;
  /** The channel's own id of the tax (WooCommerce's tax rate id, which its refunds take), when it has one. */
  id?: string | null;
  amount: Money;
}

export interface LineCharges {
  /** Unit price × quantity before discounts, as the channel lists it (tax included when the order's prices include tax). */
  subtotal: Money;
  /** The order's discounts allocated to this line (all its units). */
  discount: Money;
  taxes: TaxLine[];
  /** What the customer paid for the line: subtotal − discount, plus its taxes when the prices exclude them. */
  total: Money;
}

export interface ShippingCharge {
  title: string;
  price: Money;
  discount: Money;
  taxes: TaxLine[];
}

/** A fee the channel added to the order (WooCommerce fee lines, a Shopify tip); negative for a fee that lowers it. */
export interface FeeCharge {
  title: string;
  amount: Money;
  taxes: TaxLine[];
}

/** The channel's own order figures, and the parts they are made of besides the lines. */
export interface OrderCharges {
  taxesIncluded: boolean;
  shipping: ShippingCharge[];
  fees: FeeCharge[];
  /** The channel's figures, as it reported them. */
  discounts: Money;
  taxTotal: Money;
  total: Money;
  /** The customer's own currency, where the channel charged in another one than the shop's (Shopify presentment money). */
  presentment: { currency: CurrencyCode; total: Money } | null;
}

/** One figure the parts and the channel disagree on, in minor units. */
export interface ChargeMismatch {
  figure: 'total' | 'discounts' | 'tax';
  channel: number;
  parts: number;
}

/** The order's figures as its parts give them: lines, shipping, fees, discounts, tax. */
export interface OrderFigures {
  subtotal: Money;
  shipping: Money;
  fees: Money;
  discounts: Money;
  tax: Money;
  total: Money;
}

/**
 * Adds the parts up: lines + shipping + fees − discounts (+ tax where prices exclude it). Pure integers; a currency
 * that differs anywhere is a RangeError (money() refuses it).
 */
export function figuresOf(
  lines: readonly LineCharges[],
  charges: Pick<OrderCharges, 'taxesIncluded' | 'shipping' | 'fees'>,
  code: CurrencyCode,
): OrderFigures {
  const amounts = (items: readonly Money[]) =>
    money(
      items.reduce((n, m) => n + inCurrency(m, code), 0),
      code,
    );
  const taxes = [
    ...lines.flatMap((l) => l.taxes),
    ...charges.shipping.flatMap((s) => s.taxes),
    ...charges.fees.flatMap((f) => f.taxes),
  ];
  const subtotal = amounts(lines.map((l) => l.subtotal));
  const shipping = amounts(charges.shipping.map((s) => s.price));
  const fees = amounts(charges.fees.map((f) => f.amount));
  const discounts = amounts([...lines.map((l) => l.discount), ...charges.shipping.map((s) => s.discount)]);
  const tax = amounts(taxes.map((t) => t.amount));
  const total =
    subtotal.amount +
    shipping.amount +
    fees.amount -
    discounts.amount +
    (charges.taxesIncluded ? 0 : tax.amount);
  return { subtotal, shipping, fees, discounts, tax, total: money(total, code) };
}

/**
 * Where the channel's figures and the sum of their parts disagree. An order that does not add up is taken in as the
 * channel charged it and flagged with the difference: never "corrected".
 */
export function reconcile(
  lines: readonly LineCharges[],
  charges: OrderCharges,
  code: CurrencyCode,
): ChargeMismatch[] {
  const parts = figuresOf(lines, charges, code);
  const checks: ChargeMismatch[] = [
    { figure: 'total', channel: inCurrency(charges.total, code), parts: parts.total.amount },
    { figure: 'discounts', channel: inCurrency(charges.discounts, code), parts: parts.discounts.amount },
    { figure: 'tax', channel: inCurrency(charges.taxTotal, code), parts: parts.tax.amount },
  ];
  return checks.filter((c) => c.channel !== c.parts);
}

/** A line the channel gave only a unit price for (the storefront API without the optional figures): no discount, no tax. */
export function plainLineCharges(unitPrice: Money, quantity: number): LineCharges {
  const subtotal = money(unitPrice.amount * quantity, unitPrice.currency);
  return { subtotal, discount: money(0, unitPrice.currency), taxes: [], total: subtotal };
}

/** An order's charges when the channel gave nothing but its lines: the lines are the whole of it. */
export function plainOrderCharges(lines: readonly LineCharges[], code: CurrencyCode): OrderCharges {
  const zero = money(0, code);
  const none = { taxesIncluded: false, shipping: [], fees: [] };
  return {
    ...none,
    discounts: zero,
    taxTotal: zero,
    total: figuresOf(lines, none, code).total,
    presentment: null,
  };
}

/** What the customer paid for a line, its taxes included whichever way the channel priced it. */
export function paidForLine(
  line: Pick<LineCharges, 'subtotal' | 'discount' | 'taxes'>,
  taxesIncluded: boolean,
): number {
  const tax = line.taxes.reduce((n, t) => n + t.amount.amount, 0);
  return line.subtotal.amount - line.discount.amount + (taxesIncluded ? 0 : tax);
}

/** A line's charges from its parts: what the customer paid is subtotal − discount, plus its taxes where prices exclude them. */
export function chargedLine(
  subtotal: Money,
  discount: Money,
  taxes: TaxLine[],
  taxesIncluded: boolean,
): LineCharges {
  return {
    subtotal,
    discount,
    taxes,
    total: money(paidForLine({ subtotal, discount, taxes }, taxesIncluded), subtotal.currency),
  };
}

function inCurrency(m: Money, code: CurrencyCode): number {
  if (m.currency !== code) throw new RangeError(`a figure in ${m.currency} on an order in ${code}`);
  return m.amount;
}
