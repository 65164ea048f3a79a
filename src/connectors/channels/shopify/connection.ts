import { z } from 'zod';
import { failedConnection, type ConnectionTestResult } from '../../shared/connection-test.ts';
import type { ShopifyConfig, ShopifySecrets } from './credentials.ts';
import type { AdminClient, Operation } from './graphql.ts';

/**
 * The shop's name, and the access scopes the app's token was granted
 * (https://shopify.dev/docs/api/usage/access-scopes#checking-granted-access-scopes): one query, no cost to speak of.
 */
export const connectionTestQuery: Operation<{
  shop: { name: string; myshopifyDomain: string };
  currentAppInstallation: { accessScopes: { handle: string }[] };
}> = {
  name: 'WaybillConnectionTest',
  query:
    'query WaybillConnectionTest { shop { name myshopifyDomain } currentAppInstallation { accessScopes { handle } } }',
  data: z.object({
    shop: z.object({ name: z.string(), myshopifyDomain: z.string() }),
    currentAppInstallation: z.object({ accessScopes: z.array(z.object({ handle: z.string() })) }),
  }),
};

/** What Waybill does with a shop, and the scopes each needs: any one of a set (Shopify's reference of each operation). */
interface ScopeNeed {
  what: string;
  anyOf: readonly string[];
}

const ORDERS_IN: ScopeNeed = { what: 'orders in (webhooks, the catch-up poll)', anyOf: ['read_orders'] };
/** With an access token: what goes back out. */
const WITH_TOKEN: readonly ScopeNeed[] = [
  // fulfillmentCreate (https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/fulfillmentCreate)
  {
    what: 'shipments (fulfillmentCreate)',
    anyOf: [
      'write_merchant_managed_fulfillment_orders',
      'write_assigned_fulfillment_orders',
      'write_third_party_fulfillment_orders',
    ],
  },
  { what: 'stock (inventorySetQuantities)', anyOf: ['write_inventory'] },
  { what: 'prices (productVariantsBulkUpdate)', anyOf: ['write_products'] },
  { what: 'refunds (refundCreate)', anyOf: ['write_orders'] },
  { what: 'the stock location (location)', anyOf: ['read_locations'] },
];
const AS_FULFILLMENT_SERVICE: readonly ScopeNeed[] = [
  { what: 'the fulfillment service (fulfillmentServiceCreate)', anyOf: ['write_fulfillments'] },
  {
    what: 'fulfillment requests (fulfillmentOrderAcceptFulfillmentRequest)',
    anyOf: ['write_assigned_fulfillment_orders'],
  },
];

/**
 * A Shopify channel's connection test: the Admin API answers with the access token, for the shop configured, and
 * the token has the scopes of what the channel's settings ask Waybill to do. Without a token only webhooks come in,
 * and there is nothing Waybill can call.
 */
export async function testShopifyConnection(
  client: () => AdminClient,
  config: ShopifyConfig,
  secrets: ShopifySecrets,
): Promise<ConnectionTestResult> {
  if (!secrets.accessToken)
    return { ok: true, detail: 'no accessToken: the channel only takes webhooks in, Waybill calls nothing' };
  let answer: z.infer<typeof connectionTestQuery.data>;
  try {
    answer = await client()(connectionTestQuery, {});
  } catch (error) {
    return failedConnection(error);
  }
  const { shop, currentAppInstallation } = answer;
  if (shop.myshopifyDomain !== config.shopDomain)
    return {
      ok: false,
      reason: 'refused',
      detail: `the access token is for ${shop.myshopifyDomain}, not ${config.shopDomain}`,
    };
  const granted = new Set(currentAppInstallation.accessScopes.map((s) => s.handle));
  const needs = [ORDERS_IN, ...WITH_TOKEN, ...(config.fulfillmentService ? AS_FULFILLMENT_SERVICE : [])];
  const missing = needs.filter((need) => !need.anyOf.some((scope) => hasScope(granted, scope)));
  if (missing.length) {
    return {
      ok: false,
      reason: 'missing_scope',
      detail: `the app's token lacks ${missing.map((m) => `${m.anyOf.join(' or ')} for ${m.what}`).join('; ')}`,
    };
  }
  return {
    ok: true,
    detail: `Shopify shop ${shop.name} (${shop.myshopifyDomain}), every scope Waybill needs granted`,
  };
}

/** A write scope includes its read scope (https://shopify.dev/docs/api/usage/access-scopes). */
function hasScope(granted: ReadonlySet<string>, scope: string): boolean {
  return (
    granted.has(scope) || (scope.startsWith('read_') && granted.has(`write_${scope.slice('read_'.length)}`))
  );
}
