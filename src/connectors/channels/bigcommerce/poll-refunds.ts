import type { CurrencyCode } from '../../../domain/money.ts';
import type { OrderPage, RefundMessage } from '../sales-channel.ts';
import { getOrder, refundsCreatedBetween, UnreadableAnswer, type BigCommerceListedRefund } from './api.ts';
import { fromBigCommerceRefund, transactionalCurrency } from './map.ts';
import { bigCommerceFailureOf, type ApiCall } from './transport.ts';

type Refused = NonNullable<OrderPage['refused']>[number];

/** A window's refunds in pages of 250: far more than a store makes between two polls. */
const MAX_PAGES = 40;

/**
 * The refunds made at the store in a window of creation times (GET /v3/orders/payment_actions/refunds?created:min=…
 * &created:max=…, every page), as Waybill applies a refund made at the channel: made in the control panel, or by
 * another app. A refund Waybill made itself (./refund.ts: its reason carries `[waybill <refundId>]`) is passed over:
 * Waybill recorded it when it made it, under its own id. The currency of each refund is its order's, taken from the
 * orders the poll just read, else read once per order and kept in the process. A refund that cannot be read (nor its
 * order: an order deleted since) is refused, named with its order, instead of stopping the poll.
 */
export async function refundsMadeAtStore(
  call: ApiCall,
  storeKey: string,
  window: { from: Date; to: Date | null },
  known: ReadonlyMap<number, CurrencyCode>,
): Promise<{ refunds: RefundMessage[]; refused: Refused[] }> {
  const listed = await listAll(call, window);
  const refunds: RefundMessage[] = [];
  const refused: Refused[] = [];
  for (const item of listed) {
    if (!item.ok) {
      refused.push({
        externalId: item.orderId ?? '(no order_id)',
        reason: `refund ${item.id ?? '(no id)'} ${item.field}: ${item.message}`,
      });
      continue;
    }
    const refund = item.value;
    if (madeByWaybill(refund)) continue;
    const externalId = String(refund.order_id);
    const code = known.get(refund.order_id) ?? (await currencyOf(call, storeKey, refund.order_id));
    if (typeof code !== 'string') {
      refused.push({ externalId, reason: `refund ${refund.id}: ${code.unreadable}` });
      continue;
    }
    try {
      refunds.push(fromBigCommerceRefund(refund, code));
    } catch (error) {
      refused.push({ externalId, reason: `refund ${refund.id} ${(error as Error).message}` });
    }
  }
  return { refunds, refused };
}

/** The mark ./refund.ts puts in the reason of every refund it makes. */
function madeByWaybill(refund: BigCommerceListedRefund): boolean {
  return /\[waybill [^\]]+\]/.test(refund.reason ?? '');
}

async function listAll(call: ApiCall, window: { from: Date; to: Date | null }) {
  const all = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { items, more } = await refundsCreatedBetween(call, window, page);
    all.push(...items);
    if (!more) return all;
  }
  throw new Error(
    `BigCommerce listed more than ${MAX_PAGES} pages of refunds created from ${window.from.toISOString()}: read again by the next poll`,
  );
}

const CURRENCIES_KEPT = 5_000;
/** Orders' transactional currencies by store and order: an order's never changes. */
const currencies = new Map<string, CurrencyCode>();

async function currencyOf(
  call: ApiCall,
  storeKey: string,
  orderId: number,
): Promise<CurrencyCode | { unreadable: string }> {
  const key = `${storeKey} ${orderId}`;
  const kept = currencies.get(key);
  if (kept) return kept;
  let code: CurrencyCode;
  try {
    code = transactionalCurrency(await getOrder(call, orderId));
  } catch (error) {
    if (bigCommerceFailureOf(error)?.status === 404) return { unreadable: `its order ${orderId} is gone` };
    if (error instanceof RangeError || error instanceof UnreadableAnswer)
      return { unreadable: `its order ${orderId} cannot be read: ${error.message}` };
    throw error;
  }
  if (currencies.size >= CURRENCIES_KEPT) currencies.delete(currencies.keys().next().value!);
  currencies.set(key, code);
  return code;
}
