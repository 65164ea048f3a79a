import { destinationOf } from '../domain/order-checks.ts';
import type { Sku } from '../domain/ids.ts';
import { money, type Money } from '../domain/money.ts';
import { routeLines } from '../domain/routing.ts';
import type { Place } from '../domain/routing-engine.ts';
import { loadOrder } from '../store/orders.repo.ts';
import { findCatalogFor } from '../store/partners.repo.ts';
import type { AppContext } from './context.ts';
import { NotFoundError } from './errors.ts';
import { currentRouting, engineRules, type RoutingRulesInput } from './routing-rules.ts';
import { checkRuleReferences } from './routing-rules.ts';
import { listNodeKinds } from '../store/routing-rules.repo.ts';

/** An order to route in a preview: an existing one, or one described. */
export type PreviewSubject =
  | { orderId: string }
  | {
      order: {
        shipTo: Place;
        lines: readonly { sku: string; quantity: number; unitPrice: Money }[];
      };
    };

/** One candidate as the preview shows it: what it would cost landed, and what it would leave of the line's price. */
export interface PreviewCandidate {
  nodeId: string;
  eligible: boolean;
  reason: string;
  landedCost: Money;
  /** The line's retail price − the landed cost; null when the two are in different currencies. */
  margin: Money | null;
  leadDays: number;
  score: number;
}

export interface RoutingPreview {
  /** The version of the rules in force, or null for the proposed rules given. */
  rulesVersion: number | null;
  lines: {
    lineNumber: number;
    sku: string;
    quantity: number;
    retail: Money;
    outcome: 'routed' | 'unroutable';
    nodeId: string | null;
    reason: string;
    candidates: PreviewCandidate[];
  }[];
}

/**
 * What the rules in force (or the proposed `rules`) would decide for an order, saving nothing and holding no stock:
 * each line's winner and every candidate's landed cost and margin, so a retailer sees the profit or loss of each
 * choice before changing a rule.
 */
export async function previewRouting(
  ctx: AppContext,
  subject: PreviewSubject,
  rules?: RoutingRulesInput,
): Promise<RoutingPreview> {
  const db = ctx.store.db;
  const { shipTo, lines } = await subjectOf(ctx, subject);
  const catalog = await findCatalogFor(db, [...new Set(lines.map((l) => l.sku))]);
  if (rules) checkRuleReferences(rules, new Set((await listNodeKinds(db)).keys()), 'rules');
  const inForce = rules ? null : await currentRouting(ctx.store);
  const toRoute = lines.map((l, i) => ({
    lineNumber: i + 1,
    sku: l.sku as Sku,
    quantity: l.quantity,
    ...catalog.labels.get(l.sku as Sku),
  }));
  const routes = routeLines(toRoute, catalog.offers, {
    destination: shipTo,
    rules: inForce ? inForce.rules : engineRules(rules!, 0),
  });
  return {
    rulesVersion: inForce ? inForce.version : null,
    lines: routes.map((route, i) => {
      const line = lines[i]!;
      const retail = money(line.unitPrice.amount * line.quantity, line.unitPrice.currency);
      return {
        lineNumber: route.lineNumber,
        sku: line.sku,
        quantity: line.quantity,
        retail,
        outcome: route.kind,
        nodeId: route.kind === 'routed' ? route.offer.supplierId : null,
        reason: route.reason,
        candidates: route.candidates.map((c) => {
          const landedCost = money(c.landedCost ?? c.cost.amount * line.quantity, c.cost.currency);
          return {
            nodeId: c.supplierId,
            eligible: c.eligible,
            reason: c.reason,
            landedCost,
            margin:
              landedCost.currency === retail.currency
                ? money(retail.amount - landedCost.amount, retail.currency)
                : null,
            leadDays: c.leadDays ?? 0,
            score: c.score ?? 50,
          };
        }),
      };
    }),
  };
}

async function subjectOf(
  ctx: AppContext,
  subject: PreviewSubject,
): Promise<{ shipTo: Place; lines: readonly { sku: string; quantity: number; unitPrice: Money }[] }> {
  if ('order' in subject) return subject.order;
  const order = await loadOrder(ctx.store.db, subject.orderId);
  if (!order) throw new NotFoundError(`order ${subject.orderId}`);
  return {
    shipTo: destinationOf(order.shippingAddress),
    lines: order.lines.filter((l) => l.requiresShipping),
  };
}
