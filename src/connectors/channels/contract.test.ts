import { createServer, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeServer, freePort, listen, readBody } from '../../../sim/shared.ts';
import { startEbaySim } from '../../../sim/ebay.ts';
import { startAmazonSim } from '../../../sim/amazon.ts';
import { startBigCommerceSim } from '../../../sim/bigcommerce.ts';
import { startMagentoSim } from '../../../sim/magento.ts';
import { createShopifySim } from '../../../sim/shopify.ts';
import { startStorefrontSim } from '../../../sim/storefront.ts';
import { createWooCommerceSim } from '../../../sim/woocommerce.ts';
import type { ChannelId } from '../../domain/ids.ts';
import type { ChannelKind } from './channel-adapter.ts';
import {
  brokenSettings,
  commonContract,
  contractHarnesses,
  type ContractHarness,
} from '../../../test/support/contract-harness.ts';
import { salesChannels } from './registry.ts';

/**
 * Every channel kind in the registry, against its platform's simulator: a new kind gets these tests by joining the
 * registry and giving a harness below (the first test fails until it does).
 */
const CHANNEL = 'contract' as ChannelId;

/** One kind's simulator, started, and the settings that reach it. */
interface Harness extends ContractHarness {
  /** For kinds with webhooks: the platform signs and sends one new order to `url` (a capture server here). */
  sendOrder?(url: string): Promise<{ externalId: string }>;
  /** For kinds with notifications: the platform sends one to `url` as it would to Waybill's nudge. */
  sendNotification?(url: string): Promise<void>;
}

const SECRET = 'contract-webhook-secret-0001';
const TOKEN = 'shpat_contract_token_000000000001';
const KEY = `ck_${'1'.repeat(40)}`;
const KEY_SECRET = `cs_${'2'.repeat(40)}`;

const harnesses = contractHarnesses<Harness>('channel', {
  storefront: async () => {
    const sim = await startStorefrontSim({
      hubUrl: 'http://127.0.0.1:9',
      apiKey: 'unused',
      channelId: CHANNEL,
      notifySecret: SECRET,
    });
    return {
      config: { notifyUrl: sim.notifyUrl },
      secrets: { notifySecret: SECRET },
      wrongSecrets: { notifySecret: 'another-notify-secret-0000' },
      close: () => sim.close(),
    };
  },
  shopify: async () => {
    const shop = createShopifySim({
      shopDomain: 'contract-shop.myshopify.com',
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
    });
    const admin = await shop.startAdmin({ accessToken: TOKEN });
    return {
      config: { shopDomain: 'contract-shop.myshopify.com', adminUrl: admin.url },
      secrets: { webhookSecret: SECRET, accessToken: TOKEN },
      wrongSecrets: { webhookSecret: SECRET, accessToken: 'shpat_revoked_token_0000000000001' },
      sendOrder: async (url) => {
        shop.setWebhookUrl(url);
        const order = shop.makeOrder(1, [{ sku: 'MUG-BLUE', variantId: 1, price: '12.99' }]);
        await shop.deliver('orders/create', order);
        return { externalId: String(order.id) };
      },
      close: () => admin.close(),
    };
  },
  woocommerce: async () => {
    const port = await freePort();
    const store = createWooCommerceSim({
      storeUrl: `http://127.0.0.1:${port}`,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
    });
    const rest = await store.startRest({ consumerKey: KEY, consumerSecret: KEY_SECRET, port });
    return {
      config: { storeUrl: rest.url },
      secrets: { webhookSecret: SECRET, consumerKey: KEY, consumerSecret: KEY_SECRET },
      wrongSecrets: { webhookSecret: SECRET, consumerKey: KEY, consumerSecret: `cs_${'3'.repeat(40)}` },
      sendOrder: async (url) => {
        store.setWebhookUrl(url);
        const order = store.makeOrder(1, [{ sku: 'MUG-BLUE', productId: 11, price: '12.99' }]);
        await store.deliver('order.created', order);
        return { externalId: String(order.id) };
      },
      close: () => rest.close(),
    };
  },
  ebay: async () => {
    const seller = {
      clientSecret: 'PRD-contract-secret-0001',
      refreshToken: 'v^1.1#i^1#contract-refresh-0001',
    };
    const sim = await startEbaySim({ clientId: 'Contract-App-PRD', ...seller });
    return {
      config: { apiUrl: sim.url, clientId: 'Contract-App-PRD', marketplaceId: 'EBAY_US' },
      secrets: seller,
      wrongSecrets: { ...seller, refreshToken: 'v^1.1#i^1#revoked-refresh-0001' },
      close: () => sim.close(),
    };
  },
  amazon: async () => {
    const credentials = {
      clientId: 'amzn1.application-oa2-client.0123456789abcdef0123456789abcdef',
      clientSecret: 'amzn1.oa2-cs.v1.contract-secret-00000000001',
      refreshToken: 'Atzr|contract-refresh-token-00000000001',
    };
    const sim = await startAmazonSim(credentials);
    const notificationApiKey = 'contract-eventbridge-api-key-000000001';
    return {
      config: {
        region: 'NA',
        marketplaceIds: [sim.marketplaceId],
        sellerId: sim.sellerId,
        endpoint: sim.url,
        lwaUrl: sim.lwaUrl,
      },
      secrets: { ...credentials, notificationApiKey },
      wrongSecrets: { ...credentials, refreshToken: 'Atzr|revoked-refresh-token-0000000001' },
      sendNotification: async (url) => {
        const order = sim.makeOrder(1, [{ sku: 'MUG-BLUE', price: '12.99' }]);
        await sim.sendOrderChange(url, notificationApiKey, order.orderId);
      },
      close: () => sim.close(),
    };
  },
  bigcommerce: async () => {
    const accessToken = 'contract-bigcommerce-token-0001';
    const webhookToken = 'contract-bigcommerce-hook-token-00001';
    const sim = await startBigCommerceSim({ accessToken, rateLimit: null });
    return {
      config: { storeHash: sim.storeHash, apiUrl: sim.url },
      secrets: { accessToken, webhookToken },
      wrongSecrets: { accessToken: 'revoked-bigcommerce-token-0001', webhookToken },
      // BigCommerce's callbacks carry the order's id only, with the header set on the hook: a nudge of the poll.
      sendNotification: async (url) => {
        sim.createHook({
          scope: 'store/order/*',
          destination: url,
          headers: { 'X-Waybill-Webhook-Token': webhookToken },
        });
        await sim.place(sim.makeOrder(1, [{ sku: 'MUG-BLUE', price: '12.99' }]));
      },
      close: () => sim.close(),
    };
  },
  magento: async () => {
    const integration = {
      consumerKey: 'contractconsumerkey0000000000001',
      consumerSecret: 'contractconsumersecret0000000001',
      accessToken: 'contractaccesstoken0000000000001',
      accessTokenSecret: 'contractaccesstokensecret0000001',
    };
    const sim = await startMagentoSim({ integration });
    return {
      config: { baseUrl: sim.url },
      secrets: integration,
      wrongSecrets: { ...integration, accessTokenSecret: 'revokedaccesstokensecret00000001' },
      close: () => sim.close(),
    };
  },
});

describe.each(salesChannels.all().map((kind) => ({ name: kind.kind, kind })))(
  'channel kind $name: the adapter contract',
  ({ kind }) => {
    commonContract(kind, harnesses, 'a platform');

    it('opens the channel of stored settings, and refuses settings that no longer validate', async () => {
      const h = await harnesses.start(kind.kind);
      expect(typeof kind.open(CHANNEL, h.config, h.secrets).notifyFulfilment).toBe('function');
      expect(() => kind.open(CHANNEL, brokenSettings(kind.setup, h.config), h.secrets)).toThrow(
        /no longer validate/,
      );
    });
  },
);

/** The kinds whose platform pushes webhooks: their edge, against what the platform's simulator signs and sends. */
const withWebhooks = salesChannels
  .all()
  .flatMap((kind) => (kind.webhook ? [{ name: kind.kind, kind, webhook: kind.webhook }] : []));

describe.each(withWebhooks)('channel kind $name: its webhooks', ({ kind, webhook }) => {
  it('verifies a delivery the platform signed, refuses it altered, and reads the order in it', async () => {
    const h = await harnesses.start(kind.kind);
    const received = await capture(async (url) => h.sendOrder!(url));
    const { raw, headers } = received.delivery;
    const secrets = webhook.signingSecrets(h.secrets);
    const signature = headerValue(headers, webhook.headers.signature);
    expect(webhook.isSigned(raw, signature, secrets)).toBe(true);
    expect(webhook.isSigned(Buffer.concat([raw, Buffer.from(' ')]), signature, secrets)).toBe(false);
    const otherSecrets = webhook.signingSecrets({ ...h.secrets, ...wrongWebhookSecret(kind) });
    expect(webhook.isSigned(raw, signature, otherSecrets)).toBe(false);
    const topic = headerValue(headers, webhook.headers.topic)!;
    const deliveryId = headerValue(headers, webhook.headers.deliveryId)!;
    expect(webhook.inboxId(deliveryId, raw, topic, headers)).toBe(
      webhook.inboxId(deliveryId, Buffer.from(raw), topic, headers),
    );
    const message = webhook.interpret(CHANNEL, topic, JSON.parse(raw.toString('utf8')), h.config);
    expect(message).toMatchObject({
      kind: 'order',
      incoming: { channelId: CHANNEL, externalId: received.result.externalId },
    });
  });
});

/** The kinds whose platform sends wake-up notifications: verified as the platform sends them, and accepted. */
const withNotifications = salesChannels
  .all()
  .flatMap((kind) =>
    kind.notifications ? [{ name: kind.kind, kind, notifications: kind.notifications }] : [],
  );

describe.each(withNotifications)('channel kind $name: its notifications', ({ kind, notifications }) => {
  it('verifies a notification the platform sent, refuses it under other secrets, and a nudge takes it', async () => {
    const h = await harnesses.start(kind.kind);
    expect(h.sendNotification, `the ${kind.kind} harness sends a notification`).toBeDefined();
    const { delivery } = await capture(async (url) => h.sendNotification!(url));
    const signature = headerValue(delivery.headers, notifications.signatureHeader);
    expect(notifications.isSigned(delivery.raw, signature, notifications.signingSecrets(h.secrets))).toBe(
      true,
    );
    const other = notifications.signingSecrets({ ...h.secrets, ...wrongWebhookSecret(kind) });
    expect(notifications.isSigned(delivery.raw, signature, other)).toBe(false);
    expect(notifications.isSigned(delivery.raw, undefined, notifications.signingSecrets(h.secrets))).toBe(
      false,
    );
    const body: unknown = JSON.parse(delivery.raw.toString('utf8'));
    expect(notifications.nudges.some((nudge) => nudge.accepts(body))).toBe(true);
  });
});

/** The secret a kind's webhooks or notifications are verified with, changed. */
function wrongWebhookSecret(kind: ChannelKind): Record<string, string> {
  return Object.fromEntries(
    Object.keys(kind.setup.secrets.shape)
      .filter((key) => /webhook|notification/i.test(key))
      .map((key) => [key, 'not-the-webhook-secret-0000']),
  );
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Runs `send` against a local server that answers 200 and keeps the first delivery's bytes and headers. */
async function capture<T>(
  send: (url: string) => Promise<T>,
): Promise<{ result: T; delivery: { raw: Buffer; headers: IncomingHttpHeaders } }> {
  let delivery: { raw: Buffer; headers: IncomingHttpHeaders } | undefined;
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      delivery ??= { raw, headers: req.headers };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await listen(server);
  try {
    const result = await send(`http://127.0.0.1:${port}/webhooks/contract/${CHANNEL}`);
    if (!delivery) throw new Error('the simulator sent nothing');
    return { result, delivery };
  } finally {
    await closeServer(server);
  }
}
