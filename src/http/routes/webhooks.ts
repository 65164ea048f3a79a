import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptChannelDelivery } from '../../app/accept-channel-delivery.ts';
import type { AppContext } from '../../app/context.ts';
import { shopifySecrets } from '../../connectors/channels/shopify/credentials.ts';
import { isSignedByShopify } from '../../connectors/channels/shopify/webhook.ts';
import { findChannel } from '../../store/partners.repo.ts';
import { sendProblem } from '../problem.ts';
import { problemOut } from '../schemas.ts';

const accepted = z.object({ status: z.enum(['accepted', 'duplicate']) });

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
          params: z.object({ channelId: z.string() }),
          response: { 200: accepted, 400: problemOut, 401: problemOut, 404: problemOut },
        },
      },
      async (request, reply) => {
        const channel = await findChannel(ctx.store.db, request.params.channelId);
        if (!channel || channel.kind !== 'shopify' || !channel.sealedSecrets) {
          return sendProblem(reply, request, 404, 'not_found', `no Shopify channel ${request.params.channelId}`);
        }
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const secrets = shopifySecrets.parse(ctx.secrets.open(channel.sealedSecrets));
        const accepted = [secrets.webhookSecret, ...(secrets.previousWebhookSecret ? [secrets.previousWebhookSecret] : [])];
        if (!isSignedByShopify(raw, header(request.headers['x-shopify-hmac-sha256']), accepted)) {
          return sendProblem(reply, request, 401, 'bad_signature', 'headers.x-shopify-hmac-sha256: the signature does not match the body');
        }
        const deliveryId = header(request.headers['x-shopify-webhook-id']);
        const topic = header(request.headers['x-shopify-topic']);
        if (!deliveryId) return sendProblem(reply, request, 400, 'invalid_input', 'headers.x-shopify-webhook-id: required');
        if (!topic) return sendProblem(reply, request, 400, 'invalid_input', 'headers.x-shopify-topic: required');
        const text = raw.toString('utf8');
        if (!isJson(text)) return sendProblem(reply, request, 400, 'malformed_json', 'body: not valid JSON');
        const triggered = header(request.headers['x-shopify-triggered-at']);
        const triggeredAt = triggered && !Number.isNaN(Date.parse(triggered)) ? new Date(triggered) : null;
        const result = await acceptChannelDelivery(ctx, { channelId: channel.id, deliveryId, topic, payload: text, triggeredAt });
        return { status: result.kind };
      },
    );
  };
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
