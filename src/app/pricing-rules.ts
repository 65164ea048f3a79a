import { z } from 'zod';
import { priceRuleProblems, type Rounding } from '../domain/pricing.ts';
import {
  findLatestPriceRulesVersion,
  findPriceRulesVersion,
  insertPriceRulesVersion,
  replaceOperatorRates,
} from '../store/pricing.repo.ts';
import type { Db } from '../store/schema.ts';
import { listChannelCurrencies, listSupplierCurrencies } from '../store/setup.repo.ts';
import { InputError } from './errors.ts';
import { currencyCode, setupId } from './setup-values.ts';

export const ROUNDINGS = ['none', 'whole', 'to_99', 'to_05'] as const satisfies readonly Rounding[];

// YAML reads `markup: 1.35` as a number: taken, and kept as the string it spells, so no float holds it afterwards.
const decimal = z.union([z.string(), z.number()]).transform((v) => String(v));

/** A rule as the engine takes it (domain/pricing.ts PriceRule), checked by the engine's own priceRuleProblems. */
const priceRule = z
  .strictObject({
    match: z.strictObject({
      channel: setupId.optional(),
      supplier: setupId.optional(),
      tag: z.string().min(1).optional(),
      sku: z.string().min(1).optional(),
    }),
    markup: decimal.optional().describe("cost × markup: a positive decimal such as '1.35'; 1 when absent"),
    fixed: z.number().optional().describe("added after the markup: minor units of the cost's currency"),
    discountPercent: decimal.optional().describe("taken off after markup and fixed: 0 to 100, such as '10'"),
    minMargin: z
      .number()
      .optional()
      .describe("the least over landed cost: minor units of the channel's currency; 0 when absent"),
  })
  .superRefine((rule, ctx) => {
    for (const problem of priceRuleProblems(rule))
      ctx.addIssue({
        code: 'custom',
        // A rule with nothing to do is the rule's fault, not one field's: the path names the rule.
        path: problem.field === 'rule' ? [] : [problem.field],
        message: problem.message,
      });
  });

const exchangeRate = z
  .strictObject({
    from: currencyCode,
    to: currencyCode,
    /** One unit of `from` is worth this many of `to`. */
    rate: decimal.refine(
      (rate) => /^\d+(\.\d+)?$/.test(rate) && /[1-9]/.test(rate),
      "must be a positive decimal such as '0.92'",
    ),
  })
  .refine((r) => r.from !== r.to, { message: 'from and to are the same currency', path: ['to'] });

/** A channel whose prices the rules set, and how it rounds them. */
const pricedChannel = z.strictObject({
  channel: setupId,
  rounding: z
    .enum(ROUNDINGS)
    .default('none')
    .describe('whole: up to a whole unit; to_99: up to …99; to_05: to the nearest 0.05'),
});

/**
 * The retailer's pricing, as the setup document's `pricing` section and `PUT /api/v1/pricing/rules` take it
 * (docs/pricing.md): the channels the rules price and their rounding, the rules (most specific wins), and the
 * operator's exchange rates. Only channels listed are priced by rules; the others keep their manual prices.
 */
export const pricingRulesInput = z
  .strictObject({
    channels: z
      .array(pricedChannel)
      .default([])
      .superRefine((channels, ctx) =>
        channels.forEach((c, i) => {
          if (channels.findIndex((o) => o.channel === c.channel) < i)
            ctx.addIssue({ code: 'custom', path: [i, 'channel'], message: `${c.channel} is named twice` });
        }),
      ),
    rules: z.array(priceRule).default([]),
    /** The operator's own rates (source 'operator'); they come before any other source's for the same pair. */
    exchangeRates: z
      .array(exchangeRate)
      .default([])
      .superRefine((rates, ctx) =>
        rates.forEach((r, i) => {
          if (rates.findIndex((o) => o.from === r.from && o.to === r.to) < i)
            ctx.addIssue({ code: 'custom', path: [i, 'to'], message: `${r.from}→${r.to} is given twice` });
        }),
      ),
  })
  .superRefine((pricing, ctx) => {
    const listed = new Set(pricing.channels.map((c) => c.channel));
    pricing.rules.forEach((rule, i) => {
      const channel = rule.match.channel;
      if (channel !== undefined && !listed.has(channel))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'match', 'channel'],
          message: `${channel} is not priced by rules: list it under channels`,
        });
    });
  });
export type PricingRulesInput = z.output<typeof pricingRulesInput>;

/** The pricing in force: its version (0: the retailer never wrote any) and the retailer's own words. */
export interface RetailerPricing {
  version: number;
  input: PricingRulesInput;
}

const NO_PRICING: RetailerPricing = { version: 0, input: pricingRulesInput.parse({}) };

/**
 * Refuses pricing that names a channel or supplier Waybill does not have, naming the field
 * (`pricing.rules[2].match.supplier`). Those the same transaction created count as known.
 */
export async function checkPricingReferences(tx: Db, input: PricingRulesInput, at = ''): Promise<void> {
  const field = (path: string) => (at ? `${at}.${path}` : path);
  const channels = new Set((await listChannelCurrencies(tx)).map((c) => c.id));
  const nodes = new Set((await listSupplierCurrencies(tx)).map((s) => s.id));
  input.channels.forEach((c, i) => {
    if (!channels.has(c.channel))
      throw new InputError(field(`channels[${i}].channel`), `no channel ${c.channel}`);
  });
  input.rules.forEach((rule, i) => {
    const supplier = rule.match.supplier;
    if (supplier !== undefined && !nodes.has(supplier))
      throw new InputError(field(`rules[${i}].match.supplier`), `no supplier or warehouse ${supplier}`);
  });
}

/**
 * Saves the pricing as a new version when it differs from the newest (the same again changes nothing), with the
 * operator's exchange rates, in the caller's transaction. The caller reprices when `changed`.
 */
export async function savePricingRules(
  tx: Db,
  input: PricingRulesInput,
  now: number,
  at = 'pricing',
): Promise<{ version: number; changed: boolean }> {
  await checkPricingReferences(tx, input, at);
  const latest = await findLatestPriceRulesVersion(tx);
  const json = JSON.stringify(input);
  if (latest !== null && (await findPriceRulesVersion(tx, latest))?.rules === json)
    return { version: latest, changed: false };
  const version = (latest ?? 0) + 1;
  await insertPriceRulesVersion(tx, version, json, now);
  await replaceOperatorRates(tx, input.exchangeRates, new Date(now).toISOString(), now);
  return { version, changed: true };
}

/** The pricing in force: the newest version. */
export async function currentPricing(db: Db): Promise<RetailerPricing> {
  const version = await findLatestPriceRulesVersion(db);
  if (version === null) return NO_PRICING;
  const row = await findPriceRulesVersion(db, version);
  if (!row) return NO_PRICING;
  return { version, input: pricingRulesInput.parse(JSON.parse(row.rules)) };
}
