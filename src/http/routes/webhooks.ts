import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptChannelDelivery, type AcceptDeliveryResult } from '../../app/accept-channel-delivery.ts';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../app/errors.ts';
import { shopifySecrets } from '../../connectors/channels/shopify/credentials.ts';
import { isSignedByShopify } from '../../connectors/channels/shopify/webhook.ts';
import { woocommerceSecrets } from '../../connectors/channels/woocommerce/credentials.ts';
import { isSignedByWooCommerce, isWooCommercePing, wooCommerceInboxId } from '../../connectors/channels/woocommerce/webhook.ts';
import { findChannel } from '../../store/partners.repo.ts';
import { problemOut } from '../schemas.ts';

const stored = z.enum(['accepted', 'duplicate']);
const channelParams = z.object({ channelId: z.string() });

/** What differs between channels' webhooks. The steps around it (find, verify, read, store) are the same. */
interface WebhookSource {
  kind: string;
  label: string;
  /** Lower-case header names. */
  headers: { signature: string; deliveryId: string; topic: string };
  /** Checks the signature of the raw body against the channel's opened secrets, in constant time. */
  isSigned(raw: Buffer, signature: string | undefined, secrets: Record<string, string>): boolean;
  triggeredAt(headers: IncomingHttpHeaders): Date | null;
  /** The inbox key: the channel's delivery id, unless it does not tell deliveries apart on its own. */
  inboxId(deliveryId: string, raw: Buffer): string;
}

const shopifySource: WebhookSource = {
  kind: 'shopify',
  label: 'Shopify',
  headers: { signature: 'x-shopify-hmac-sha256', deliveryId: 'x-shopify-webhook-id', topic: 'x-shopify-topic' },
  isSigned: (raw, signature, opened) => {
    const secrets = shopifySecrets.parse(opened);
    return isSignedByShopify(raw, signature, [secrets.webhookSecret, ...(secrets.previousWebhookSecret ? [secrets.previousWebhookSecret] : [])]);
  },
  triggeredAt: (headers) => {
    const triggered = header(headers['x-shopify-triggered-at']);
    return triggered && !Number.isNaN(Date.parse(triggered)) ? new Date(triggered) : null;
  },
  inboxId: (deliveryId) => deliveryId,
};

const wooCommerceSource: WebhookSource = {
  kind: 'woocommerce',
  label: 'WooCommerce',
  headers: { signature: 'x-wc-webhook-signature', deliveryId: 'x-wc-webhook-delivery-id', topic: 'x-wc-webhook-topic' },
  isSigned: (raw, signature, opened) => isSignedByWooCommerce(raw, signature, woocommerceSecrets.parse(opened).webhookSecret),
  // WooCommerce sends no time of the event; the order's own date_modified_gmt orders the updates.
  triggeredAt: () => null,
  inboxId: wooCommerceInboxId,
};

/**
 * Channel webhooks. The body is kept as raw bytes: the signature covers exactly what was sent, so it is checked
 * before anything is parsed. A verified delivery is stored (with the job that processes it) and answered at once.
 */
export function webhookRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post(
      '/webhooks/shopify/:channelId',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Shopify webhooks (orders/create, orders/updated, orders/cancelled), verified with X-Shopify-Hmac-Sha256',
          description: 'Deduplicated on X-Shopify-Webhook-Id; the work happens after the commit.',
          params: channelParams,
          response: { 200: z.object({ status: stored }), 400: problemOut, 401: problemOut, 404: problemOut },
        },
      },
      async (request) => {
        const channel = await webhookChannel(ctx, request.params.channelId, shopifySource);
        return { status: await receive(ctx, request, shopifySource, channel) };
      },
    );

    await app.register(async (scope) => {
      const woo = scope.withTypeProvider<ZodTypeProvider>();
      // Only for this route: the ping that checks the URL is form-encoded.
      woo.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      woo.post(
        '/webhooks/woocommerce/:channelId',
        {
          schema: {
            tags: ['webhooks'],
            summary: 'WooCommerce webhooks (order.created, order.updated, order.deleted), verified with X-WC-Webhook-Signature',
            description:
              'Deduplicated on X-WC-Webhook-Delivery-ID with a digest of the body (WooCommerce reuses a delivery id within one second); the work happens after the commit. The unsigned ping WooCommerce sends when a webhook is saved is answered 200 and stores nothing.',
            params: channelParams,
            response: { 200: z.object({ status: z.union([stored, z.literal('ping')]) }), 400: problemOut, 401: problemOut, 404: problemOut },
          },
        },
        async (request) => {
          const channel = await webhookChannel(ctx, request.params.channelId, wooCommerceSource);
          if (isWooCommercePing(rawBody(request.body))) return { status: 'ping' as const };
          return { status: await receive(ctx, request, wooCommerceSource, channel) };
        },
      );
    });
  };
}

/** The opened secrets of the channel the URL names; 404 when there is no such channel of this kind. */
async function webhookChannel(ctx: AppContext, channelId: string, source: WebhookSource): Promise<{ channelId: string; secrets: Record<string, string> }> {
  const channel = await findChannel(ctx.store.db, channelId);
  if (!channel || channel.kind !== source.kind || !channel.sealedSecrets) throw new AppError('not_found', `no ${source.label} channel ${channelId}`, 404);
  return { channelId: channel.id, secrets: ctx.secrets.open(channel.sealedSecrets) };
}

/** Verify, read the headers, check the body is JSON, store: each refusal is a problem naming what is wrong. */
async function receive(ctx: AppContext, request: FastifyRequest, source: WebhookSource, channel: { channelId: string; secrets: Record<string, string> }): Promise<AcceptDeliveryResult['kind']> {
  const raw = rawBody(request.body);
  const names = source.headers;
  if (!source.isSigned(raw, header(request.headers[names.signature]), channel.secrets)) {
    throw new AppError('bad_signature', `headers.${names.signature}: the signature does not match the body`, 401);
  }
  const deliveryId = header(request.headers[names.deliveryId]);
  const topic = header(request.headers[names.topic]);
  if (!deliveryId) throw new AppError('invalid_input', `headers.${names.deliveryId}: required`, 400);
  if (!topic) throw new AppError('invalid_input', `headers.${names.topic}: required`, 400);
  const text = raw.toString('utf8');
  if (!isJson(text)) throw new AppError('malformed_json', 'body: not valid JSON', 400);
  const delivery = { channelId: channel.channelId, deliveryId: source.inboxId(deliveryId, raw), topic, payload: text, triggeredAt: source.triggeredAt(request.headers) };
  return (await acceptChannelDelivery(ctx, delivery)).kind;
}

function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
