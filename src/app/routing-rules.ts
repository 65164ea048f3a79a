import { z } from 'zod';
import type { SupplierId } from '../domain/ids.ts';
import { DEFAULT_RULES, type Objective, type RoutingRules } from '../domain/routing-engine.ts';
import {
  findLatestRulesVersion,
  findRulesVersion,
  insertRulesVersion,
  listNodeKinds,
} from '../store/routing-rules.repo.ts';
import type { Db } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { InputError } from './errors.ts';
import { countryCode, currencyCode, setupId } from './setup-values.ts';

const names = z.array(z.string().min(1)).min(1);

/** Lines matching any SKU, tag or category named go to `to` (primary first, then backups), never to `exclude`. */
const assignment = z
  .strictObject({
    name: z.string().min(1).max(80),
    skus: names.optional(),
    tags: names.optional(),
    categories: names.optional(),
    to: z.array(setupId).min(1).optional(),
    exclude: z.array(setupId).min(1).optional(),
  })
  .superRefine((rule, ctx) => {
    if (!rule.skus && !rule.tags && !rule.categories)
      ctx.addIssue({
        code: 'custom',
        path: ['skus'],
        message: `rule "${rule.name}": give the skus, tags or categories it matches`,
      });
    if (!rule.to && !rule.exclude)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `rule "${rule.name}": give the nodes it sends to (primary first) or excludes`,
      });
    rule.exclude?.forEach((node, i) => {
      if (rule.to?.includes(node))
        ctx.addIssue({
          code: 'custom',
          path: ['exclude', i],
          message: `rule "${rule.name}": ${node} is both sent to and excluded`,
        });
    });
  });

/** A country, narrowed to regions or postal-code prefixes when given. */
const area = z.strictObject({
  country: countryCode,
  regions: names.optional(),
  postalPrefixes: names.optional(),
});

const objective = z.union([
  z.enum(['priority', 'landed_cost', 'fastest', 'score']),
  z.strictObject({
    weighted: z
      .strictObject({
        cost: z.number().min(0).default(0),
        speed: z.number().min(0).default(0),
        score: z.number().min(0).default(0),
      })
      .refine((w) => w.cost + w.speed + w.score > 0, 'give at least one weight above 0'),
  }),
]);

const velocityLimit = z.strictObject({
  /** Held when more orders than this (the new one included) carry the same value within the window. */
  orders: z.number().int().positive(),
  withinMinutes: z.number().int().positive(),
});
const moneyLimits = z.array(z.strictObject({ amount: z.number().int().positive(), currency: currencyCode }));

/** Checks before routing: an order that fails one is held for review with every reason, routed to no one. */
const checks = z.strictObject({
  /** The postal code's format for the destination country. */
  postalCodes: z.boolean().default(false),
  /** A phone given must be a valid number for the destination (it is kept as given). */
  phones: z.boolean().default(false),
  /** The same email, shipping address or phone in more than N orders within M minutes. */
  velocity: z
    .strictObject({
      email: velocityLimit.optional(),
      address: velocityLimit.optional(),
      phone: velocityLimit.optional(),
    })
    .optional(),
  /** Billing and shipping countries differ (where the channel gives a billing country). */
  countryMismatch: z.boolean().default(false),
  /** An order above this value, per currency. */
  maxOrderValue: moneyLimits.optional(),
  /** A customer's first order (no earlier order of the same email since the check was on) above this value. */
  firstOrderMaxValue: moneyLimits.optional(),
});

/**
 * The retailer's routing rules, as the setup document's `routing` section and `PUT /api/v1/routing/rules` take them
 * (docs/setup-file.md), and what to do when a supplier does not keep its word.
 */
export const routingRulesInput = z.strictObject({
  objective: objective.default('priority'),
  ownStock: z.enum(['any', 'first', 'last']).default('any'),
  fewestShipments: z.boolean().default(false),
  preferNearest: z.boolean().default(false),
  assignments: z
    .array(assignment)
    .default([])
    .superRefine((rules, ctx) =>
      rules.forEach((rule, i) => {
        if (rules.findIndex((r) => r.name === rule.name) < i)
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `rule "${rule.name}" is named twice` });
      }),
    ),
  shipsTo: z
    .array(z.strictObject({ node: setupId, areas: z.array(area).min(1) }))
    .default([])
    .superRefine((entries, ctx) =>
      entries.forEach((entry, i) => {
        if (entries.findIndex((e) => e.node === entry.node) < i)
          ctx.addIssue({ code: 'custom', path: [i, 'node'], message: `${entry.node} is named twice` });
      }),
    ),
  checks: checks.default({ postalCodes: false, phones: false, countryMismatch: false }),
  /** A purchase order not acknowledged in time: routed to the next eligible node, cancelled and refunded, or held. */
  onAckTimeout: z.enum(['hold', 'reroute', 'cancel']).default('hold'),
  /** A line the supplier rejects: sent to the next eligible node, cancelled and refunded, or held. */
  onReject: z.enum(['failover', 'cancel', 'hold']).default('failover'),
  /** A line the supplier backorders: left with it until its date, sent to the next eligible node, or cancelled. */
  onBackorder: z.enum(['backorder', 'failover', 'cancel']).default('backorder'),
});
export type RoutingRulesInput = z.output<typeof routingRulesInput>;

/** What the retailer decided for the exceptions routing handles after the first decision. */
export type ExceptionPolicy = Pick<RoutingRulesInput, 'onAckTimeout' | 'onReject' | 'onBackorder'>;

/** The rules in force: what the engine decides by, the policies, and the retailer's own words. */
export interface RetailerRouting {
  version: number;
  rules: RoutingRules;
  policy: ExceptionPolicy;
  input: RoutingRulesInput;
}

/** A retailer who wrote no rules: the offers' own priority, and every exception held for an operator but rejections. */
export const DEFAULT_ROUTING: RetailerRouting = (() => {
  const input = routingRulesInput.parse({});
  return { version: 0, rules: DEFAULT_RULES, policy: policyOf(input), input };
})();

function policyOf(input: RoutingRulesInput): ExceptionPolicy {
  return { onAckTimeout: input.onAckTimeout, onReject: input.onReject, onBackorder: input.onBackorder };
}

function objectiveOf(input: RoutingRulesInput['objective']): Objective {
  return typeof input === 'string' ? { kind: input } : { kind: 'weighted', ...input.weighted };
}

/** The engine's rules for the retailer's. */
export function engineRules(input: RoutingRulesInput, version: number): RoutingRules {
  return {
    version,
    objective: objectiveOf(input.objective),
    ownStock: input.ownStock,
    fewestShipments: input.fewestShipments,
    preferNearest: input.preferNearest,
    assignments: input.assignments.map((a) => ({
      name: a.name,
      match: {
        ...(a.skus ? { skus: a.skus } : {}),
        ...(a.tags ? { tags: a.tags } : {}),
        ...(a.categories ? { categories: a.categories } : {}),
      },
      ...(a.to ? { to: a.to as SupplierId[] } : {}),
      ...(a.exclude ? { exclude: a.exclude as SupplierId[] } : {}),
    })),
    shipsTo: input.shipsTo.map((s) => ({ node: s.node as SupplierId, areas: s.areas })),
  };
}

/**
 * Refuses rules that name a node Waybill does not have, naming the rule and field (`routing.assignments[1].to[0]`).
 * `nodes`: every node id, the stored ones and those the same document creates.
 */
export function checkRuleReferences(input: RoutingRulesInput, nodes: ReadonlySet<string>, at = ''): void {
  const field = (path: string) => (at ? `${at}.${path}` : path);
  input.assignments.forEach((rule, i) => {
    for (const list of ['to', 'exclude'] as const)
      rule[list]?.forEach((node, j) => {
        if (!nodes.has(node))
          throw new InputError(
            field(`assignments[${i}].${list}[${j}]`),
            `rule "${rule.name}": no supplier or warehouse ${node}`,
          );
      });
  });
  input.shipsTo.forEach((entry, i) => {
    if (!nodes.has(entry.node))
      throw new InputError(field(`shipsTo[${i}].node`), `no supplier or warehouse ${entry.node}`);
  });
}

/**
 * Saves the rules as a new version when they differ from the newest (the same rules again change nothing), in the
 * caller's transaction. Nodes the same transaction created count as known.
 */
export async function saveRoutingRules(
  tx: Db,
  input: RoutingRulesInput,
  now: number,
  at = 'routing',
): Promise<{ version: number; changed: boolean }> {
  checkRuleReferences(input, new Set((await listNodeKinds(tx)).keys()), at);
  const latest = await findLatestRulesVersion(tx);
  const json = JSON.stringify(input);
  if (latest !== null && (await findRulesVersion(tx, latest))?.rules === json)
    return { version: latest, changed: false };
  const version = (latest ?? 0) + 1;
  await insertRulesVersion(tx, version, json, now);
  return { version, changed: true };
}

/** Parsed versions by store: versions never change, so a store reads each at most once. */
const parsed = new WeakMap<Store, Map<number, RetailerRouting>>();

/** The rules in force (the newest version): its number read each time, its rules parsed once per version. */
export async function currentRouting(store: Store, db: Db = store.db): Promise<RetailerRouting> {
  const version = await findLatestRulesVersion(db);
  if (version === null) return DEFAULT_ROUTING;
  const known = parsed.get(store) ?? new Map<number, RetailerRouting>();
  parsed.set(store, known);
  const cached = known.get(version);
  if (cached) return cached;
  const row = await findRulesVersion(db, version);
  if (!row) return DEFAULT_ROUTING;
  const input = routingRulesInput.parse(JSON.parse(row.rules));
  const routing = { version, rules: engineRules(input, version), policy: policyOf(input), input };
  known.set(version, routing);
  return routing;
}
