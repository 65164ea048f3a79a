import { money, type Money } from '../domain/money.ts';
import {
  addressProblems,
  fraudReasons,
  velocityKeys,
  type CustomerHistory,
  type HoldReason,
  type OrderCheckRules,
  type OrderToCheck,
} from '../domain/order-checks.ts';
import { shippingAddressProblem } from '../domain/address.ts';
import type { IncomingOrder, Order } from '../domain/order.ts';
import { countFingerprints, recordFingerprints, type HoldRow } from '../store/review.repo.ts';
import type { Db } from '../store/schema.ts';
import type { RoutingRulesInput } from './routing-rules.ts';

type CheckSettings = RoutingRulesInput['checks'];

/** Whether any check before routing is on: when none is, intake reads and writes nothing for them. */
export function checksOn(checks: CheckSettings): boolean {
  return (
    checks.postalCodes ||
    checks.phones ||
    checks.countryMismatch ||
    Boolean(checks.velocity?.email || checks.velocity?.address || checks.velocity?.phone) ||
    Boolean(checks.maxOrderValue?.length || checks.firstOrderMaxValue?.length)
  );
}

/**
 * Every reason each order of a batch fails the retailer's checks before routing (empty: it passes), in the order
 * given; an earlier order of the batch counts for the velocity of a later one. Records the orders' fingerprints for
 * the velocity and first-order checks of the orders to come.
 */
export async function checkOrders(
  tx: Db,
  checks: CheckSettings,
  orders: readonly { orderId: string; order: OrderToCheck }[],
  now: Date,
): Promise<HoldReason[][]> {
  const rules = ruleOf(checks);
  const counting = Boolean(rules.velocity || rules.firstOrderMaxValue);
  const seen: { kind: string; key: string; orderId: string }[] = [];
  const results: HoldReason[][] = [];
  for (const { orderId, order } of orders) {
    const address = addressProblems(order.shippingAddress).filter(
      (r) =>
        (checks.postalCodes && r.check === 'address.postal_code') ||
        (checks.phones && r.check === 'address.phone'),
    );
    const keys = counting ? velocityKeys(order) : null;
    const history: CustomerHistory = keys
      ? {
          sameEmail: await seenSince(
            tx,
            seen,
            'email',
            keys.email,
            rules.velocity?.email?.withinMinutes,
            now,
          ),
          sameAddress: await seenSince(
            tx,
            seen,
            'address',
            keys.address,
            rules.velocity?.address?.withinMinutes,
            now,
          ),
          samePhone: await seenSince(
            tx,
            seen,
            'phone',
            keys.phone,
            rules.velocity?.phone?.withinMinutes,
            now,
          ),
          earlierOrdersOfEmail: rules.firstOrderMaxValue
            ? await seenSince(tx, seen, 'email', keys.email, 0, now)
            : 0,
        }
      : NO_HISTORY;
    results.push([...address, ...fraudReasons(order, history, rules)]);
    if (keys) for (const [kind, key] of Object.entries(keys)) if (key) seen.push({ kind, key, orderId });
  }
  await recordFingerprints(tx, seen, now.getTime());
  return results;
}

const NO_HISTORY: CustomerHistory = { sameEmail: 0, sameAddress: 0, samePhone: 0, earlierOrdersOfEmail: 0 };

/** Other orders with this key within the window (0 minutes: ever), stored ones and those earlier in the batch. */
async function seenSince(
  tx: Db,
  batch: readonly { kind: string; key: string }[],
  kind: string,
  key: string | null,
  withinMinutes: number | undefined,
  now: Date,
): Promise<number> {
  if (key === null || withinMinutes === undefined) return 0;
  const since = withinMinutes === 0 ? 0 : now.getTime() - withinMinutes * 60_000;
  const stored = await countFingerprints(tx, kind, key, since);
  return stored + batch.filter((p) => p.kind === kind && p.key === key).length;
}

function ruleOf(checks: CheckSettings): OrderCheckRules {
  const limits = (list: readonly { amount: number; currency: string }[] | undefined): Money[] | undefined =>
    list?.map((m) => money(m.amount, m.currency));
  const maxOrderValue = limits(checks.maxOrderValue);
  const firstOrderMaxValue = limits(checks.firstOrderMaxValue);
  return {
    countryMismatch: checks.countryMismatch,
    ...(checks.velocity && { velocity: checks.velocity }),
    ...(maxOrderValue && { maxOrderValue }),
    ...(firstOrderMaxValue && { firstOrderMaxValue }),
  };
}

/** Why an order waits whole at intake, each reason with its check: the channel's hold, the address, a failed check. */
export function intakeHolds(
  f: {
    orderId: string;
    incoming: IncomingOrder;
    lines: readonly unknown[];
    options: { hold?: string | undefined };
  },
  failed: readonly HoldReason[],
): HoldRow[] {
  if (f.options.hold) return [{ orderId: f.orderId, check: 'channel.hold', message: f.options.hold }];
  const incomplete = f.lines.length ? shippingAddressProblem(f.incoming.shippingAddress) : null;
  if (incomplete) return [{ orderId: f.orderId, check: 'address.incomplete', message: incomplete }];
  return failed.map((r) => ({ orderId: f.orderId, check: r.check, message: r.message }));
}

/**
 * The review queue's reasons for lines that wait on their own: a SKU not in the catalog, no node for it, or no stock.
 * `known`: the SKUs the catalog has.
 */
export function lineHolds(order: Order, heldWhole: boolean, known: ReadonlySet<string>): HoldRow[] {
  if (heldWhole) return [];
  return order.lines.flatMap((l): HoldRow[] => {
    if (l.state === 'pending' && !known.has(l.sku))
      return [
        {
          orderId: order.id,
          check: 'catalog.unknown_sku',
          message: `line ${l.lineNumber}: SKU ${l.sku} is not in the catalog`,
        },
      ];
    if (l.state === 'backordered')
      return [
        {
          orderId: order.id,
          check: 'stock.backordered',
          message: `line ${l.lineNumber}: awaiting stock of ${l.sku}`,
        },
      ];
    if (l.state === 'pending')
      return [
        {
          orderId: order.id,
          check: 'routing.unroutable',
          message: `line ${l.lineNumber}: no node can ship ${l.sku}`,
        },
      ];
    return [];
  });
}

/** The order as the checks before routing read it: its total as charged (or its lines'). */
export function toCheck(incoming: IncomingOrder): OrderToCheck {
  const total =
    incoming.charges?.total ??
    money(
      incoming.lines.reduce((sum, l) => sum + l.unitPrice.amount * l.quantity, 0),
      incoming.currency,
    );
  return {
    total,
    customer: incoming.customer,
    shippingAddress: incoming.shippingAddress,
    billingCountry: incoming.billingCountry,
  };
}
