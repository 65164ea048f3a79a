import { z } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { fromShopifyOrder, shopifyOrder, type MappedShopifyOrder, type ShopifyOrder } from './map.ts';

/**
 * The part of the Admin GraphQL Order object Waybill reads when it polls for orders
 * (https://shopify.dev/docs/api/admin-graphql/2026-10/objects/Order). The same order comes in by webhook as REST
 * JSON (./map.ts); this reads the GraphQL shape into that one and maps it the same way, so an order is the same
 * IncomingOrder whichever way it arrived. Money is the shop currency's `shopMoney`, as the webhook's `price` is.
 */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const shopMoney = z.object({ shopMoney: z.object({ amount: decimal, currencyCode: z.string() }) });
const bothMoney = z.object({
  shopMoney: z.object({ amount: decimal, currencyCode: z.string() }),
  presentmentMoney: z.object({ amount: decimal, currencyCode: z.string() }),
});
const taxLines = z.array(z.object({ title: z.string(), rate: z.number().nullable(), priceSet: shopMoney }));
const discountAllocations = z.array(z.object({ allocatedAmountSet: shopMoney }));

export const graphqlLineItem = z.object({
  id: z.string().min(1),
  sku: z.string().nullable(),
  title: z.string(),
  quantity: z.number().int().positive(),
  currentQuantity: z.number().int().nonnegative(),
  requiresShipping: z.boolean(),
  originalUnitPriceSet: shopMoney,
  discountAllocations,
  taxLines,
});
export type GraphqlLineItem = z.infer<typeof graphqlLineItem>;

export const graphqlLineItems = z.object({ pageInfo, nodes: z.array(graphqlLineItem) });
export type GraphqlLineItems = z.infer<typeof graphqlLineItems>;

export const graphqlOrder = z.object({
  id: z.string().min(1),
  // UnsignedInt64, serialised as a string: the numeric id the webhooks carry.
  legacyResourceId: z.string().regex(/^\d+$/, 'must be a numeric id'),
  name: z.string(),
  email: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  cancelledAt: z.string().nullable(),
  displayFinancialStatus: z.string().nullable(),
  currencyCode: z.string(),
  presentmentCurrencyCode: z.string(),
  taxesIncluded: z.boolean(),
  totalPriceSet: bothMoney,
  totalDiscountsSet: shopMoney.nullable(),
  totalTaxSet: shopMoney.nullable(),
  totalTipReceivedSet: shopMoney,
  currentTotalPriceSet: shopMoney,
  currentTotalDiscountsSet: shopMoney.nullable(),
  currentTotalTaxSet: shopMoney.nullable(),
  dutiesIncluded: z.boolean(),
  originalTotalDutiesSet: shopMoney.nullable(),
  originalTotalAdditionalFeesSet: shopMoney.nullable(),
  shippingLines: z.object({
    nodes: z.array(
      z.object({ title: z.string(), originalPriceSet: shopMoney, discountAllocations, taxLines }),
    ),
  }),
  test: z.boolean(),
  customer: z
    .object({
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      // Customer.phone is deprecated in 2026-10: the default phone number is its own object now.
      defaultPhoneNumber: z.object({ phoneNumber: z.string().nullable() }).nullable(),
      defaultEmailAddress: z.object({ emailAddress: z.string().nullable() }).nullable(),
    })
    .nullable(),
  shippingAddress: z
    .object({
      name: z.string().nullable(),
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      address1: z.string().nullable(),
      address2: z.string().nullable(),
      city: z.string().nullable(),
      provinceCode: z.string().nullable(),
      zip: z.string().nullable(),
      countryCodeV2: z.string().nullable(),
      phone: z.string().nullable(),
    })
    .nullable(),
  lineItems: graphqlLineItems,
});
export type GraphqlOrder = z.infer<typeof graphqlOrder>;

/** The selection of one line item, as graphqlLineItem reads it. */
const SHOP_MONEY = 'shopMoney { amount currencyCode }';
const TAX_LINES = `taxLines { title rate priceSet { ${SHOP_MONEY} } }`;
const DISCOUNTS = `discountAllocations { allocatedAmountSet { ${SHOP_MONEY} } }`;
export const LINE_FIELDS = `id sku title quantity currentQuantity requiresShipping originalUnitPriceSet { ${SHOP_MONEY} } ${DISCOUNTS} ${TAX_LINES}`;

/** The selection that reads a GraphQL order as graphqlOrder expects it; its line items take `$linesFirst`. */
export const ORDER_FIELDS = `id legacyResourceId name email createdAt updatedAt cancelledAt displayFinancialStatus currencyCode test
      presentmentCurrencyCode taxesIncluded totalPriceSet { ${SHOP_MONEY} presentmentMoney { amount currencyCode } }
      totalDiscountsSet { ${SHOP_MONEY} } totalTaxSet { ${SHOP_MONEY} } totalTipReceivedSet { ${SHOP_MONEY} }
      currentTotalPriceSet { ${SHOP_MONEY} } currentTotalDiscountsSet { ${SHOP_MONEY} } currentTotalTaxSet { ${SHOP_MONEY} }
      dutiesIncluded originalTotalDutiesSet { ${SHOP_MONEY} } originalTotalAdditionalFeesSet { ${SHOP_MONEY} }
      shippingLines(first: 20) { nodes { title originalPriceSet { ${SHOP_MONEY} } ${DISCOUNTS} ${TAX_LINES} } }
      customer { firstName lastName defaultPhoneNumber { phoneNumber } defaultEmailAddress { emailAddress } }
      shippingAddress { name firstName lastName address1 address2 city provinceCode zip countryCodeV2 phone }
      lineItems(first: $linesFirst) { pageInfo { hasNextPage endCursor } nodes { ${LINE_FIELDS} } }`;

/**
 * GraphQL order (with all of its line items, the first page's and any further ones) → Waybill's incoming order,
 * through the webhook's shape. A line priced in another currency than the order's would be read wrongly: refused.
 */
export function fromGraphqlOrder(
  channelId: ChannelId,
  order: GraphqlOrder,
  lines: readonly GraphqlLineItem[],
): MappedShopifyOrder {
  for (const line of lines) {
    if (line.originalUnitPriceSet.shopMoney.currencyCode !== order.currencyCode) {
      throw new Error(
        `Shopify order ${order.legacyResourceId}: line ${line.id} is priced in ${line.originalUnitPriceSet.shopMoney.currencyCode}, the order in ${order.currencyCode}`,
      );
    }
  }
  // Parsed as a webhook's order is, so the same rules hold (at least one line item, positive quantities).
  return fromShopifyOrder(channelId, shopifyOrder.parse(asWebhookOrder(order, lines)));
}

function asWebhookOrder(order: GraphqlOrder, lines: readonly GraphqlLineItem[]): ShopifyOrder {
  const customer = order.customer;
  const address = order.shippingAddress;
  return {
    id: Number(order.legacyResourceId),
    name: order.name,
    email: order.email,
    currency: order.currencyCode,
    presentment_currency: order.presentmentCurrencyCode,
    taxes_included: order.taxesIncluded,
    total_price: order.totalPriceSet.shopMoney.amount,
    total_price_set: {
      shop_money: {
        amount: order.totalPriceSet.shopMoney.amount,
        currency_code: order.totalPriceSet.shopMoney.currencyCode,
      },
      presentment_money: {
        amount: order.totalPriceSet.presentmentMoney.amount,
        currency_code: order.totalPriceSet.presentmentMoney.currencyCode,
      },
    },
    total_discounts: order.totalDiscountsSet?.shopMoney.amount ?? null,
    total_tax: order.totalTaxSet?.shopMoney.amount ?? null,
    total_tip_received: order.totalTipReceivedSet.shopMoney.amount,
    current_total_price: order.currentTotalPriceSet.shopMoney.amount,
    current_total_discounts: order.currentTotalDiscountsSet?.shopMoney.amount ?? null,
    current_total_tax: order.currentTotalTaxSet?.shopMoney.amount ?? null,
    duties_included: order.dutiesIncluded,
    original_total_duties_set: restMoneySet(order.originalTotalDutiesSet),
    original_total_additional_fees_set: restMoneySet(order.originalTotalAdditionalFeesSet),
    shipping_lines: order.shippingLines.nodes.map((s) => ({
      title: s.title,
      price: s.originalPriceSet.shopMoney.amount,
      discount_allocations: s.discountAllocations.map(restAllocation),
      tax_lines: s.taxLines.map(restTaxLine),
    })),
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    cancelled_at: order.cancelledAt,
    // REST writes the GraphQL enum in lower case: PENDING ↔ pending.
    financial_status: order.displayFinancialStatus?.toLowerCase() ?? null,
    test: order.test,
    customer: customer && {
      email: customer.defaultEmailAddress?.emailAddress ?? null,
      first_name: customer.firstName,
      last_name: customer.lastName,
      phone: customer.defaultPhoneNumber?.phoneNumber ?? null,
    },
    shipping_address: address && {
      name: address.name,
      first_name: address.firstName,
      last_name: address.lastName,
      address1: address.address1,
      address2: address.address2,
      city: address.city,
      province_code: address.provinceCode,
      zip: address.zip,
      country_code: address.countryCodeV2,
      phone: address.phone,
    },
    line_items: lines.map((line) => ({
      id: Number(line.id.split('/').pop()),
      sku: line.sku,
      title: line.title,
      quantity: line.quantity,
      current_quantity: line.currentQuantity,
      price: line.originalUnitPriceSet.shopMoney.amount,
      requires_shipping: line.requiresShipping,
      discount_allocations: line.discountAllocations.map(restAllocation),
      tax_lines: line.taxLines.map(restTaxLine),
    })),
  };
}

function restAllocation(allocation: z.infer<typeof discountAllocations>[number]) {
  return { amount: allocation.allocatedAmountSet.shopMoney.amount };
}

function restTaxLine(tax: z.infer<typeof taxLines>[number]) {
  return { title: tax.title, rate: tax.rate, price: tax.priceSet.shopMoney.amount };
}

function restMoneySet(set: z.infer<typeof shopMoney> | null) {
  return set && { shop_money: { amount: set.shopMoney.amount, currency_code: set.shopMoney.currencyCode } };
}
