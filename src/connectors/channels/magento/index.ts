import { channelKind } from '../channel-adapter.ts';
import type { SalesChannel } from '../sales-channel.ts';
import { testMagentoConnection } from './connection.ts';
import { checkMagentoSetup, magentoConfig, magentoSecrets, type MagentoConfig } from './credentials.ts';
import { notifyMagentoShipment } from './fulfilment.ts';
import { pollMagentoOrders } from './poll.ts';
import { refundMagentoOrder } from './refund.ts';
import { DEFAULT_STOCK_BATCH, pushMagentoStock, STOCK_PUSHES_IN_FLIGHT } from './stock.ts';
import { magentoClient, magentoEndpoint } from './transport.ts';

/** Magento's REST API has no webhooks: the order poll is the intake, once a minute. */
export const MAGENTO_POLL_EVERY_MS = 60_000;

/**
 * Adobe Commerce / Magento Open Source 2.4. Orders come by polling GET /V1/orders (./poll.ts, each read by
 * ./read-polled.ts and mapped by ./map.ts), with the credit memos made in the admin (./refunds-found.ts); shipments go
 * out as Magento shipments with their tracks (./fulfilment.ts), stock as Inventory source items (./stock.ts),
 * refunds as credit memos (./refund.ts). Every call speaks REST through ./transport.ts, signed with
 * OAuth 1.0a or with the access token as a bearer token (./credentials.ts). The connection test reads an order and
 * the Inventory source (./connection.ts).
 */
export const magento = channelKind({
  kind: 'magento',
  label: 'Adobe Commerce / Magento',
  config: magentoConfig,
  secrets: magentoSecrets,
  check: checkMagentoSetup,
  create: (config, secrets, { id: channelId }): SalesChannel => {
    const call = (signal: AbortSignal) => magentoClient(magentoEndpoint(config, secrets), signal);
    const sourceCode = sourceCodeOf(config);
    return {
      pollEveryMs: MAGENTO_POLL_EVERY_MS,
      notifyFulfilment: (notice, { signal }) =>
        notifyMagentoShipment(call(signal), notice, { sourceCode, notifyCustomer: true }),
      maxStockBatch: config.stockBatchSize ?? DEFAULT_STOCK_BATCH,
      stockPushesInFlight: STOCK_PUSHES_IN_FLIGHT,
      pushStock: (levels, { signal }) =>
        pushMagentoStock(
          call(signal),
          `${config.baseUrl} ${config.storeCode ?? 'default'}`,
          sourceCode,
          levels,
        ),
      refund: (notice, { signal }) => refundMagentoOrder(call(signal), notice, config.refunds ?? 'offline'),
      pollOrders: (query, { signal }) =>
        pollMagentoOrders(call(signal), channelId, query, { payLaterMethods: config.payLaterMethods }),
    };
  },
  test: async (config, secrets, { signal }) => {
    let endpoint;
    try {
      endpoint = magentoEndpoint(config, secrets);
    } catch (error) {
      return {
        ok: false,
        reason: 'not_configured',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
    return testMagentoConnection(magentoClient(endpoint, signal), sourceCodeOf(config));
  },
});

function sourceCodeOf(config: MagentoConfig): string {
  return config.sourceCode ?? 'default';
}
