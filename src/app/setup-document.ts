import { z } from 'zod';
import { isValidGtin } from '../domain/gtin.ts';
import { BACKORDER_POLICIES } from '../domain/stock.ts';
import { salesChannels, type ChannelKinds } from '../connectors/channels/registry.ts';
import type { SetupFields } from '../connectors/shared/setup-fields.ts';
import { supplierTransports, type TransportKinds } from '../connectors/suppliers/registry.ts';

import { routingRulesInput } from './routing-rules.ts';
import { pricingRulesInput } from './pricing-rules.ts';
import { feedSettingsInput } from './feed-settings.ts';
import { countryCode, currencyCode, place, setupId as id } from './setup-values.ts';
import { calendarProblems } from '../domain/business-hours.ts';
import { holidayRegionKnown } from '../infra/holidays.ts';

/** When stock cannot be reserved: `accept` takes the order and waits for stock; `cancel` cancels the line. */
const backorderPolicy = z.enum(BACKORDER_POLICIES).default('accept');
/**
 * How much of what can be promised this channel is told: at most `cap` units of each SKU, or `sharePercent` of
 * it (rounded down). Without one the channel is told everything. Reservations still take from the one pool.
 */
const allocation = z
  .strictObject({
    cap: z.number().int().nonnegative().optional(),
    sharePercent: z.number().int().min(0).max(100).optional(),
  })
  .refine((a) => (a.cap === undefined) !== (a.sharePercent === undefined), {
    message: 'give either cap or sharePercent',
    path: ['cap'],
  })
  .optional();

/** Waybill's own fields of every channel; the rest of an entry is its kind's settings and secrets. */
const channelFields = { id, backorderPolicy, allocation, name: z.string().min(1), currency: currencyCode };

/** A channel of the setup document, whatever its kind: Waybill's fields, and the kind's own (split by its adapter). */
export type ChannelEntry = z.output<z.ZodObject<typeof channelFields>> & {
  kind: string;
  readonly [field: string]: unknown;
};
/** A supplier's transport entry: its kind, and the kind's settings and secrets. */
export type TransportEntry = { kind: string; readonly [field: string]: unknown };

/** An entry of one adapter: its `kind`, the fields around it, its settings and secrets side by side, its own rules. */
function adapterEntry<Shape extends z.ZodRawShape>(kind: string, around: Shape, setup: SetupFields) {
  return z
    .strictObject({ ...around, kind: z.literal(kind), ...setup.config.shape, ...setup.secrets.shape })
    .superRefine((entry, ctx) => {
      const problem = setup.check?.(entry);
      if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    });
}

/** One entry per kind the registry knows, told apart by `kind`. */
function kindUnion<Shape extends z.ZodRawShape>(
  kinds: readonly { kind: string; setup: SetupFields }[],
  around: Shape,
) {
  const [first, ...rest] = kinds.map((k) => adapterEntry(k.kind, around, k.setup));
  if (!first) throw new Error('a registry without a single kind');
  return z.discriminatedUnion('kind', [first, ...rest]);
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time 'HH:MM'");

/**
 * The hours a node's SLAs count in: its time zone, working days (1 = Monday … 7 = Sunday), opening and closing
 * times, and the country (and region) whose public holidays it keeps.
 */
const workingHours = z
  .strictObject({
    timeZone: z.string().min(1),
    days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    opens: hhmm.default('09:00'),
    closes: hhmm.default('17:00'),
    holidays: z.strictObject({ country: countryCode, region: z.string().min(1).optional() }).optional(),
  })
  .superRefine((hours, ctx) => {
    for (const problem of calendarProblems(hours))
      ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    if (hours.holidays && !holidayRegionKnown(hours.holidays.country, hours.holidays.region))
      ctx.addIssue({
        code: 'custom',
        path: ['holidays'],
        message: `no public holidays known for ${[hours.holidays.country, hours.holidays.region].filter(Boolean).join('-')}`,
      });
  });

/** A fulfilment node's fields: a supplier (drop-ships) and a warehouse (the retailer's own stock) alike. */
function nodeEntry(transports: TransportKinds) {
  const transport: z.ZodType<TransportEntry> = kindUnion(transports.all(), {});
  return z.strictObject({
    id,
    name: z.string().min(1),
    currency: currencyCode,
    apiToken: z.string().min(24, 'must be at least 24 characters').optional(),
    ackWithinMinutes: z
      .number()
      .int()
      .positive()
      .default(24 * 60),
    /** Its SLA for shipping, counted from the acknowledgement; absent: not held to one. */
    shipWithinMinutes: z.number().int().positive().optional(),
    /** When given, its SLA minutes count only inside these hours; absent: every hour counts. */
    workingHours: workingHours.optional(),
    /** Where it ships from, unless an offer says otherwise. */
    shipFrom: place.optional(),
    /** 0–100: how much routing trusts it (the scorecard computes it later). */
    score: z.number().int().min(0).max(100).default(50),
    /** Its carriers deliver to PO boxes; false: an order shipping to one goes to another node. */
    deliversToPoBoxes: z.boolean().default(true),
    /** Units held back from what this supplier reports: its feeds are late and optimistic. */
    safetyBuffer: z.number().int().nonnegative().default(0),
    /** Orders stop going to it and its stock counts as none on every channel; its open purchase orders go on. */
    paused: z.boolean().default(false),
    transport,
    /** Its catalog feed: how the file reads, full or delta, when to quarantine, where to pull it from. */
    feed: feedSettingsInput.optional(),
  });
}

/** Minor units of the offer's cost currency. */
const amount = z.number().int().nonnegative();

/** A supplier's (or one of the retailer's warehouses') offer to ship a SKU, with what routing weighs. */
const offer = z
  .strictObject({
    supplier: id.optional(),
    warehouse: id.optional(),
    supplierSku: z.string().min(1),
    cost: z.strictObject({ amount, currency: currencyCode }),
    priority: z.number().int().default(1),
    active: z.boolean().default(true),
    stock: z.number().int().nonnegative().optional(),
    /** Handling days: from the order to the carrier. */
    leadDays: z.number().int().nonnegative().default(0),
    /** Per shipment, in the cost's currency: the carrier's estimate and the node's fee for drop-shipping an order. */
    shippingEstimate: amount.default(0),
    dropShipFee: amount.default(0),
    minQuantity: z.number().int().positive().default(1),
    packSize: z.number().int().positive().default(1),
    shipFrom: place.optional(),
  })
  .superRefine((o, ctx) => {
    if ((o.supplier === undefined) === (o.warehouse === undefined))
      ctx.addIssue({ code: 'custom', path: ['supplier'], message: 'give either supplier or warehouse' });
  });

/** The node an offer names: a supplier, or one of the retailer's warehouses. */
export function offerNode(o: { supplier?: string | undefined; warehouse?: string | undefined }): {
  id: string;
  kind: 'supplier' | 'warehouse';
} {
  return o.supplier === undefined
    ? { id: o.warehouse!, kind: 'warehouse' }
    : { id: o.supplier, kind: 'supplier' };
}

/** The selling price on one channel, in the channel's currency; `compareAtAmount` is the "was" price shown struck through. */
const price = z
  .strictObject({
    channel: id,
    amount: z.number().int().nonnegative(),
    currency: currencyCode,
    compareAtAmount: z.number().int().positive().optional(),
  })
  .refine((p) => p.compareAtAmount === undefined || p.compareAtAmount > p.amount, {
    message: 'must be more than amount',
    path: ['compareAtAmount'],
  });

const product = z.strictObject({
  sku: z.string().min(1).max(64),
  name: z.string().min(1),
  gtin: z.string().refine(isValidGtin, 'must be a GTIN-8/12/13/14 with a valid check digit').optional(),
  offers: z.array(offer).default([]),
  /** Routing rules match lines on these. */
  tags: z.array(z.string().min(1)).optional(),
  category: z.string().min(1).optional(),
  /** Selling prices per channel; when given they replace the SKU's prices, when absent they are left as they are. */
  prices: z.array(price).optional(),
});

/** The retailer's return address, as a packing slip prints it. */
const returnAddress = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  line1: z.string().min(1).max(100),
  line2: z.string().min(1).max(100).optional(),
  city: z.string().min(1).max(100),
  region: z.string().min(1).max(100).optional(),
  postalCode: z.string().min(1).max(20),
  country: countryCode,
});

/** A logo small enough to sit in the settings and on every slip: 256 KB of image at most. */
const logoDataUrl = z
  .string()
  .max(350_000, 'must be at most 256 KB of image')
  .regex(
    /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]+={0,2}$/,
    'must be a PNG or JPEG as a data: URL (data:image/png;base64,…)',
  );

/**
 * The setup document of docs/setup-file.md, as YAML (`waybill apply`) or JSON (`POST /api/v1/setup`), for the
 * channel and transport kinds these registries know: each kind's entry is built from what its adapter declares.
 */
export function setupDocumentFor(channels: ChannelKinds, transports: TransportKinds) {
  const channel: z.ZodType<ChannelEntry> = kindUnion(channels.all(), channelFields);
  return z.strictObject({
    apiVersion: z.literal('waybill/v1'),
    retailer: z
      .strictObject({
        name: z.string().min(1),
        /** Where a customer sends a return: printed on the blind packing slip in place of any supplier's. */
        returnAddress: returnAddress.optional(),
        /** The retailer's logo for the packing slip: a PNG or JPEG as a data: URL. */
        logo: logoDataUrl.optional(),
      })
      .optional(),
    /**
     * Where the stores reach this hub (https://hub.example.com): the address their webhooks point at, so that the
     * catch-up poll can check those subscriptions are still active.
     */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    channels: z.array(channel).default([]),
    suppliers: z.array(nodeEntry(transports)).default([]),
    /** The retailer's own stock: a node like a supplier, with an address it ships from. */
    warehouses: z.array(nodeEntry(transports).required({ shipFrom: true })).default([]),
    products: z.array(product).default([]),
    /** How lines are routed (app/routing-rules.ts); absent: the rules in force stay. */
    routing: routingRulesInput.optional(),
    /** How prices are set from costs (app/pricing-rules.ts, docs/pricing.md); absent: the pricing in force stays. */
    pricing: pricingRulesInput.optional(),
  });
}
export type SetupDocument = z.output<ReturnType<typeof setupDocumentFor>>;

/** The document for the kinds every Waybill knows. */
export const setupDocument = setupDocumentFor(salesChannels, supplierTransports);

/** Replaces `${NAME}` in every string with the environment variable; a missing one is an error naming the field. */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) throw new EnvMissingError(path || '(root)', name);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

export class EnvMissingError extends Error {
  constructor(
    readonly field: string,
    readonly variable: string,
  ) {
    super(`${field}: environment variable ${variable} is not set`);
  }
}
