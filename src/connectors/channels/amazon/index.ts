import { channelKind } from '../channel-adapter.ts';
import { testAmazonConnection } from './connection.ts';
import {
  amazonConfig,
  amazonEndpoint,
  amazonSecrets,
  type AmazonConfig,
  type AmazonSecrets,
} from './credentials.ts';
import { FEED_MESSAGES_AT_MOST, readStockReports } from './feeds.ts';
import { amazonNotifications, orderChangeHealth } from './notifications.ts';
import { pollOrderPage } from './poll.ts';
import { confirmShipment } from './shipment.ts';
import { pushStockLevels } from './stock.ts';
import { awaitFeedTypeLimit, spApi } from './transport.ts';

/**
 * How long one call may sit out its usage plan inside a job, by what the job is: the catch-up poll may wait for
 * searchOrders' next token (one every three minutes by default) within its five minutes; a shipment or a stock push
 * waits a little and otherwise hands the job back to its back-off; a report look never holds the stock sync up.
 */
const WAIT_POLL_MS = 200_000;
const WAIT_NOTIFY_MS = 20_000;
const WAIT_STOCK_MS = 30_000;
const WAIT_REPORT_MS = 1_000;

/** searchOrders' default plan refills one request every 180 s: polling more often only waits for it. */
const POLL_EVERY_MS = 180_000;

/**
 * Amazon (Selling Partner API), merchant-fulfilled orders. Every call takes an LWA access token (./lwa.ts) and keeps
 * to its operation's usage plan (./usage-plan.ts, ./transport.ts). Orders come by polling searchOrders, Orders API
 * v2026-01-01, with buyer, recipient, proceeds, cancellation and fulfilment in the one answer (./poll.ts, mapped by
 * ./map.ts); shipments go back as confirmShipment (./shipment.ts); stock as listing patches, or a JSON_LISTINGS_FEED
 * for many SKUs whose report is read later (./stock.ts, ./feeds.ts). Refunds have no SP-API call for a
 * merchant-fulfilled seller and are recorded as owed (docs/amazon.md). The connection test reads the seller's
 * marketplace participations (./connection.ts). ORDER_CHANGE notifications, where the seller routes them to
 * Waybill, wake the poll (./notifications.ts).
 */
export const amazon = channelKind({
  kind: 'amazon',
  label: 'Amazon',
  config: amazonConfig,
  secrets: amazonSecrets,
  create: (config, secrets, { id: channelId }) => {
    const endpoint = amazonEndpoint(config, secrets);
    const call = (signal: AbortSignal, maxWaitMs: number) => spApi(endpoint, signal, { maxWaitMs });
    return {
      notifyFulfilment: (notice, { signal }) => confirmShipment(call(signal, WAIT_NOTIFY_MS), notice),
      pollEveryMs: POLL_EVERY_MS,
      pollOrders: (query, { signal }) =>
        pollOrderPage(call(signal, WAIT_POLL_MS), endpoint, channelId, query),
      maxStockBatch: FEED_MESSAGES_AT_MOST,
      pushStock: (levels, { signal }) =>
        pushStockLevels(call(signal, WAIT_STOCK_MS), endpoint, levels, signal, () =>
          awaitFeedTypeLimit(endpoint, signal, { maxWaitMs: WAIT_STOCK_MS }),
        ),
      stockReports: (feeds, { signal }) => readStockReports(call(signal, WAIT_REPORT_MS), feeds, signal),
      ...(secrets.notificationApiKey && {
        webhookHealth: ({ signal }) => orderChangeHealth(call(signal, WAIT_NOTIFY_MS)),
      }),
    };
  },
  test: (config, secrets, { signal }) => testWith(config, secrets, signal),
  notifications: amazonNotifications,
});

function testWith(config: AmazonConfig, secrets: AmazonSecrets, signal: AbortSignal) {
  const endpoint = amazonEndpoint(config, secrets);
  return testAmazonConnection(spApi(endpoint, signal, { maxWaitMs: WAIT_NOTIFY_MS }), endpoint);
}
