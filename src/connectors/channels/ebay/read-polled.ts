import type { ZodError } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { isCurrencyCode } from '../../../domain/money.ts';
import type { OrderMessage, OrderPage, RefundMessage } from '../sales-channel.ts';
import { moneyOf, type EbayAmount } from './amount.ts';
import { ebayOrder, fromEbayOrder } from './map.ts';
import { ebayRefunds, refundsOf } from './refunds-found.ts';

type Refused = NonNullable<OrderPage['refused']>[number];

/** What the poll makes of one order getOrders listed: the order, the refunds made on it, and what cannot be read. */
export interface PolledEbayOrder {
  order: OrderMessage | null;
  refunds: RefundMessage[];
  refused: Refused[];
}

/**
 * One order of a getOrders page. An order that does not read as eBay documents it (a field missing or of another
 * type, an amount that cannot be exact, a currency Waybill does not know) is refused, naming the field, and the poll
 * carries on with the others. Refunds that cannot be read are refused on their own: the order still comes in.
 * `place` names an order whose id is missing (its place in the listing).
 */
export function readPolledOrder(channelId: ChannelId, raw: unknown, place: number): PolledEbayOrder {
  const externalId = idOf(raw) ?? `(no orderId, #${place + 1} listed)`;
  const read: PolledEbayOrder = { order: null, refunds: [], refused: [] };
  const refuse = (reason: string) => read.refused.push({ externalId, reason });
  const parsed = ebayOrder.safeParse(raw);
  if (!parsed.success) {
    refuse(issueOf(parsed.error));
    return read;
  }
  try {
    read.order = { kind: 'order', ...fromEbayOrder(channelId, parsed.data) };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    refuse(amountReason(parsed.data, parsed.data.pricingSummary.total.currency, error));
    return read;
  }
  const withRefunds = ebayRefunds.safeParse(raw);
  if (!withRefunds.success) refuse(`its refunds: ${issueOf(withRefunds.error)}`);
  else
    try {
      read.refunds = refundsOf(withRefunds.data);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      refuse(
        `its refunds: ${amountReason(withRefunds.data, withRefunds.data.pricingSummary.total.currency, error)}`,
      );
    }
  return read;
}

function idOf(raw: unknown): string | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as { orderId?: unknown }).orderId : undefined;
  return typeof id === 'string' && id !== '' ? id : null;
}

function issueOf(error: ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'unreadable'}`;
}

/** The RangeError's message, after the field it is about: ./amount.ts names the text, not where it stood. */
function amountReason(order: object, code: string, error: RangeError): string {
  const where = isCurrencyCode(code) ? unreadableAmountAt(order, code) : 'pricingSummary.total.currency';
  return where ? `${where}: ${error.message}` : error.message;
}

/** The path of the first Amount (read by Waybill: `order` is what the schema kept) that is not exact in `code`. */
export function unreadableAmountAt(
  value: unknown,
  code: string,
  path: readonly string[] = [],
): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const amount = value as Partial<Record<keyof EbayAmount, unknown>>;
  if (typeof amount.value === 'string' && typeof amount.currency === 'string') {
    if (!exact(amount.value, amount.currency, code)) return path.join('.');
    const from = amount.convertedFromCurrency;
    if (typeof from === 'string' && typeof amount.convertedFromValue === 'string')
      if (!isCurrencyCode(from) || !exact(amount.convertedFromValue, from, from))
        return [...path, 'convertedFromValue'].join('.');
  }
  for (const [key, child] of Object.entries(value)) {
    const found = unreadableAmountAt(child, code, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

function exact(value: string, currency: string, code: string): boolean {
  try {
    moneyOf({ value, currency }, code);
    return true;
  } catch {
    return false;
  }
}
