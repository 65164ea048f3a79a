import type { FastifyReply, FastifyRequest } from 'fastify';
import { tryParseJson, type ParsedJson } from '../../infra/webhook-json.ts';
import { findChannelsSigning } from '../../store/partners.repo.ts';
import { ROWS_PER_STATEMENT } from '../../store/statement.ts';
import { coalescedReads } from '../../infra/coalesced-reads.ts';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AcceptDeliveryResult, DeliveryIntake } from '../../app/accept-channel-delivery.ts';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../app/errors.ts';
import { shopifySecrets } from '../../connectors/channels/shopify/credentials.ts';
import { fulfillmentOrderNotificationKind, isSignedByShopify } from '../../connectors/channels/shopify/webhook.ts';
import { wakeFulfilmentRequests } from '../../app/answer-fulfilment-requests.ts';
import { woocommerceSecrets } from '../../connectors/channels/woocommerce/credentials.ts';
import { isSignedByWooCommerce, isWooCommercePing, wooCommerceInboxId } from '../../connectors/channels/woocommerce/webhook.ts';
import { problemOut } from '../schemas.ts';
import { CHANNEL_ORDER_BODY_LIMIT } from '../limits.ts';

const stored = z.enum(['accepted', 'duplicate']);
const channelParams = z.object({ channelId: z.string() });

/** What differs between channels' webhooks. The steps around it (find, verify, read, store) are the same. */
interface WebhookSource {
  kind: string;
  label: string;
  /** Lower-case header names. */
  headers: { signature: string; deliveryId: string; topic: string };
  /** The secrets a delivery may be signed with, from the channel's opened secrets (two during a rotation). */
  signingSecrets(opened: Record<string, string>): string[];
  /** Checks the signature of the raw body against the channel's signing secrets, in constant time. */
  isSigned(raw: Buffer, signature: string | undefined, secrets: readonly string[]): boolean;
  triggeredAt(headers: IncomingHttpHeaders): Date | null;
  /** The inbox key: the channel's delivery id, unless it does not tell deliveries apart on its own. */
  inboxId(deliveryId: string, raw: Buffer, topic: string, headers: IncomingHttpHeaders): string;
}

const shopifySource: WebhookSource = {
  kind: 'shopify',
  label: 'Shopify',
  headers: { signature: 'x-shopify-hmac-sha256', deliveryId: 'x-shopify-webhook-id', topic: 'x-shopify-topic' },
  signingSecrets: (opened) => {
    const secrets = shopifySecrets.parse(opened);
    return [secrets.webhookSecret, ...(secrets.previousWebhookSecret ? [secrets.previousWebhookSecret] : [])];
  },
  isSigned: isSignedByShopify,
  triggeredAt: (headers) => {
    const triggered = header(headers['x-shopify-triggered-at']);
    return triggered && !Number.isNaN(Date.parse(triggered)) ? new Date(triggered) : null;
  },
  // One event reaches Waybill once per subscription to its topic, each with its own webhook id and the same event id
  // (shopify.dev, "Ignore duplicate webhooks"); a retry repeats both. Without an event id, the webhook id.
  inboxId: (deliveryId, _raw, topic, headers) => {
    const eventId = header(headers['x-shopify-event-id']);
    return eventId ? `event:${topic}:${eventId}` : deliveryId;
  },
};

const wooCommerceSource: WebhookSource = {
  kind: 'woocommerce',
  label: 'WooCommerce',
  headers: { signature: 'x-wc-webhook-signature', deliveryId: 'x-wc-webhook-delivery-id', topic: 'x-wc-webhook-topic' },
  signingSecrets: (opened) => [woocommerceSecrets.parse(opened).webhookSecret],
  isSigned: (raw, signature, secrets) => isSignedByWooCommerce(raw, signature, secrets[0] ?? ''),
  // WooCommerce sends no time of the event; the order's own date_modified_gmt orders the updates.
  triggeredAt: () => null,
  inboxId: (deliveryId, raw) => wooCommerceInboxId(deliveryId, raw),
};

/**
 * Channel webhooks. The body is kept as raw bytes: the signature covers exactly what was sent, so it is checked
 * before anything is parsed. A verified delivery is stored (with the job that processes it) and answered at once.
 */
export function webhookRoutes(ctx: AppContext, intake: DeliveryIntake): FastifyPluginAsyncZod {
  const channels = new WebhookChannels(ctx);
  return async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post(
      '/webhooks/shopify/:channelId',
      {
        bodyLimit: CHANNEL_ORDER_BODY_LIMIT,
        schema: {
          tags: ['webhooks'],
          summary: 'Shopify webhooks (orders/create, orders/updated, orders/cancelled), verified with X-Shopify-Hmac-Sha256',
          description: 'Deduplicated on X-Shopify-Event-Id per topic (one event told to several subscriptions) and X-Shopify-Webhook-Id (retries); the work happens after the commit.',
          params: channelParams,
          response: { 200: z.object({ status: stored }), 400: problemOut, 401: problemOut, 404: problemOut },
        },
      },
      async (request, reply) => {
        const channel = await channels.find(request.params.channelId, shopifySource);
        return answer(reply, await receive(intake, request, shopifySource, channel));
      },
    );

    app.post(
      '/webhooks/shopify/:channelId/fulfillment_order_notification',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Shopify fulfillment-service notifications (kind FULFILLMENT_REQUEST or CANCELLATION_REQUEST), verified with X-Shopify-Hmac-Sha256',
          description:
            "Shopify's callback when Waybill is the shop's fulfillment service: a nudge to look at the fulfillment orders assigned to Waybill. They are read and answered (accepted or rejected with Shopify's reason) after the answer; the same look also runs every minute, so a lost nudge delays nothing long.",
          params: channelParams,
          response: { 200: z.object({ status: z.literal('accepted') }), 400: problemOut, 401: problemOut, 404: problemOut },
        },
      },
      async (request) => {
        const channel = await channels.find(request.params.channelId, shopifySource);
        const { text } = verifiedJson(request, shopifySource, channel);
        if (!fulfillmentOrderNotificationKind(JSON.parse(text))) throw new AppError('invalid_input', 'body.kind: must be FULFILLMENT_REQUEST or CANCELLATION_REQUEST', 400);
        await ctx.store.transact((tx) => wakeFulfilmentRequests(tx, ctx.clock.now().getTime(), channel.channelId));
        return { status: 'accepted' as const };
      },
    );

    await app.register(async (scope) => {
      const woo = scope.withTypeProvider<ZodTypeProvider>();
      // Only for this route: the ping that checks the URL is form-encoded.
      woo.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      woo.post(
        '/webhooks/woocommerce/:channelId',
        {
          bodyLimit: CHANNEL_ORDER_BODY_LIMIT,
          schema: {
            tags: ['webhooks'],
            summary: 'WooCommerce webhooks (order.created, order.updated, order.deleted), verified with X-WC-Webhook-Signature',
            description:
              'Deduplicated on X-WC-Webhook-Delivery-ID with a digest of the body (WooCommerce reuses a delivery id within one second); the work happens after the commit. The unsigned ping WooCommerce sends when a webhook is saved is answered 200 and stores nothing.',
            params: channelParams,
            response: { 200: z.object({ status: z.union([stored, z.literal('ping')]) }), 400: problemOut, 401: problemOut, 404: problemOut },
          },
        },
        async (request, reply) => {
          const channel = await channels.find(request.params.channelId, wooCommerceSource);
          if (isWooCommercePing(rawBody(request.body))) return { status: 'ping' as const };
          return answer(reply, await receive(intake, request, wooCommerceSource, channel));
        },
      );
    });
  };
}

interface WebhookChannel {
  channelId: string;
  /** What a delivery may be signed with. */
  secrets: readonly string[];
}

/** Opened signing secrets kept per sealed value; a bound, not a cache policy (a store has a handful of channels). */
const OPENED_LIMIT = 256;

/**
 * The channels the webhook URLs name. The row is read for every delivery (the deliveries that arrived together in
 * one read), so a setup change, a removed channel or a rotated secret holds from the next delivery on, in this
 * process and in every other. What is not repeated is the work on its secrets: they are opened (AES-GCM) and parsed
 * once per sealed value, and a setup change seals them anew (a fresh IV), so a changed secret is never served stale.
 */
class WebhookChannels {
  readonly #opened = new Map<string, readonly string[]>();
  readonly #signing: (channelId: string) => Promise<{ kind: string; secrets: string | null } | null>;

  constructor(private readonly ctx: AppContext) {
    this.#signing = coalescedReads((ids) => findChannelsSigning(ctx.store.db, ids), ROWS_PER_STATEMENT);
  }

  /** The channel and its signing secrets; 404 when there is no such channel of this kind. */
  async find(channelId: string, source: WebhookSource): Promise<WebhookChannel> {
    const row = await this.#signing(channelId);
    if (!row || row.kind !== source.kind || !row.secrets) throw new AppError('not_found', `no ${source.label} channel ${channelId}`, 404);
    return { channelId, secrets: this.#signingSecrets(row.secrets, source) };
  }

  #signingSecrets(sealed: string, source: WebhookSource): readonly string[] {
    const key = `${source.kind}:${sealed}`;
    let secrets = this.#opened.get(key);
    if (!secrets) {
      secrets = Object.freeze(source.signingSecrets(this.ctx.secrets.open(sealed)));
      if (this.#opened.size >= OPENED_LIMIT) this.#opened.clear();
      this.#opened.set(key, secrets);
    }
    return secrets;
  }
}

/**
 * The answer to a stored delivery, already serialised: it is one of two fixed bodies, and the response schema's
 * serialiser (zod, per request) cost as much as the HMAC. The schema still documents it.
 */
const STORED_BODIES: Readonly<Record<AcceptDeliveryResult['kind'], string>> = {
  accepted: JSON.stringify({ status: 'accepted' }),
  duplicate: JSON.stringify({ status: 'duplicate' }),
};

function answer(reply: FastifyReply, kind: AcceptDeliveryResult['kind']): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(STORED_BODIES[kind]);
}

/** The raw body, once its signature is checked (401) and it is known to be JSON (400). */
function verifiedJson(request: FastifyRequest, source: WebhookSource, channel: WebhookChannel): { raw: Buffer; text: string; parsed: ParsedJson } {
  const raw = rawBody(request.body);
  const { signature } = source.headers;
  if (!source.isSigned(raw, header(request.headers[signature]), channel.secrets)) {
    throw new AppError('bad_signature', `headers.${signature}: the signature does not match the body`, 401);
  }
  const text = raw.toString('utf8');
  const parsed = tryParseJson(text);
  if (!parsed) throw new AppError('malformed_json', 'body: not valid JSON', 400);
  return { raw, text, parsed };
}

/** Verify, read the headers, store: each refusal is a problem naming what is wrong. */
async function receive(intake: DeliveryIntake, request: FastifyRequest, source: WebhookSource, channel: WebhookChannel): Promise<AcceptDeliveryResult['kind']> {
  const names = source.headers;
  const { raw, text, parsed } = verifiedJson(request, source, channel);
  const deliveryId = header(request.headers[names.deliveryId]);
  const topic = header(request.headers[names.topic]);
  if (!deliveryId) throw new AppError('invalid_input', `headers.${names.deliveryId}: required`, 400);
  if (!topic) throw new AppError('invalid_input', `headers.${names.topic}: required`, 400);
  const delivery = { channelId: channel.channelId, deliveryId: source.inboxId(deliveryId, raw, topic, request.headers), topic, payload: text, parsed, triggeredAt: source.triggeredAt(request.headers) };
  return (await intake.accept(delivery)).kind;
}

function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

