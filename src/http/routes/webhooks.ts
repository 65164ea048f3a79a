import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { tryParseJson, type ParsedJson } from '../../infra/webhook-json.ts';
import { findChannelsSigning } from '../../store/partners.repo.ts';
import { ROWS_PER_STATEMENT } from '../../store/statement.ts';
import { coalescedReads } from '../../infra/coalesced-reads.ts';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AcceptDeliveryResult, DeliveryIntake } from '../../app/accept-channel-delivery.ts';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../app/errors.ts';
import { wakeFulfilmentRequests } from '../../app/answer-fulfilment-requests.ts';
import { wakeCatchUp } from '../../app/catch-up-channel.ts';
import type { StoredChannelWebhook, WebhookNudge } from '../../connectors/channels/channel-adapter.ts';
import type { Db } from '../../store/schema.ts';
import { problemOut } from '../schemas.ts';
import { CHANNEL_ORDER_BODY_LIMIT } from '../limits.ts';

const stored = z.enum(['accepted', 'duplicate']);
const channelParams = z.object({ channelId: z.string() });

/**
 * Channel webhooks: one route per channel kind that has them (/webhooks/{kind}/{channelId}), built from what its
 * adapter declares (ChannelWebhook). The body is kept as raw bytes: the signature covers exactly what was sent, so
 * it is checked before anything is parsed. A verified delivery is stored (with what it causes, or the job that will
 * take it in) and answered at once.
 */
export function webhookRoutes(ctx: AppContext, intake: DeliveryIntake): FastifyPluginAsyncZod {
  const channels = new WebhookChannels(ctx);
  return async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    for (const kind of ctx.channels.all()) {
      const { notifications } = kind;
      if (notifications)
        await app.register(async (scope) =>
          nudgeRoutes(
            scope.withTypeProvider<ZodTypeProvider>(),
            {
              kind: kind.kind,
              label: kind.label,
              purpose: 'notifications',
              ...notifications,
            },
            channels,
            ctx,
          ),
        );
      const source = kind.webhook && {
        kind: kind.kind,
        label: kind.label,
        purpose: 'webhook' as const,
        ...kind.webhook,
      };
      if (!source) continue;
      await app.register(async (scope) => {
        const routes = scope.withTypeProvider<ZodTypeProvider>();
        const { ping } = source;
        // Only for this kind's routes: its ping may come in another content type (WooCommerce's is form-encoded).
        if (ping)
          routes.addContentTypeParser(ping.contentType, { parseAs: 'buffer' }, (_request, body, done) =>
            done(null, body),
          );
        routes.post(
          `/webhooks/${source.kind}/:channelId`,
          {
            bodyLimit: CHANNEL_ORDER_BODY_LIMIT,
            schema: {
              tags: ['webhooks'],
              summary: source.summary,
              description: source.description,
              params: channelParams,
              response: {
                200: z.object({ status: ping ? z.union([stored, z.literal('ping')]) : stored }),
                400: problemOut,
                401: problemOut,
                404: problemOut,
              },
            },
          },
          async (request, reply) => {
            const channel = await channels.find(request.params.channelId, source);
            if (ping?.is(rawBody(request.body))) return reply.send({ status: 'ping' as const });
            return answer(reply, await receive(intake, request, source, channel));
          },
        );
        // Shopify's fulfilment-order notifications: verified like its webhooks.
        if (source.nudges?.length)
          nudgeRoutes(
            routes,
            {
              kind: source.kind,
              label: source.label,
              purpose: 'webhook',
              signatureHeader: source.headers.signature,
              isSigned: source.isSigned,
              signingSecrets: source.signingSecrets,
              nudges: source.nudges,
            },
            channels,
            ctx,
          );
      });
    }
  };
}

/** Callbacks that only wake a channel's work: where they are found, how they are verified, what they wake. */
interface NudgeSource extends Signer, Verifier {
  nudges: readonly WebhookNudge[];
}

/** A route per nudge, under /webhooks/{kind}/{channelId}/: verified, checked, and what it wakes woken. */
function nudgeRoutes(
  routes: NudgeRoutes,
  source: NudgeSource,
  channels: WebhookChannels,
  ctx: AppContext,
): void {
  for (const nudge of source.nudges) {
    routes.post(
      `/webhooks/${source.kind}/:channelId/${nudge.path}`,
      {
        schema: {
          tags: ['webhooks'],
          summary: nudge.summary,
          description: nudge.description,
          params: channelParams,
          response: {
            200: z.object({ status: z.literal('accepted') }),
            400: problemOut,
            401: problemOut,
            404: problemOut,
          },
        },
      },
      async (request) => {
        const channel = await channels.find(request.params.channelId, source);
        const { parsed } = verifiedJson(request, source, channel);
        if (!nudge.accepts(parsed.value)) throw new AppError('invalid_input', nudge.invalid, 400);
        await ctx.store.transact((tx) =>
          NUDGED[nudge.wakes](tx, ctx.clock.now().getTime(), channel.channelId),
        );
        return { status: 'accepted' as const };
      },
    );
  }
}

/** A kind's webhooks with its name: what the route needs to find, verify and store a delivery. */
type WebhookSource = StoredChannelWebhook & { kind: string; label: string };

/** Whose secrets verify a callback: the kind's webhooks or its notifications (each opens its own from the channel's). */
interface Signer {
  kind: string;
  label: string;
  purpose: 'webhook' | 'notifications';
  signingSecrets(secrets: unknown): string[];
}

/** How a callback's signature (or shared key) is checked. */
interface Verifier {
  signatureHeader: string;
  isSigned(raw: Buffer, signature: string | undefined, secrets: readonly string[]): boolean;
}

type NudgeRoutes = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What a nudge wakes, by name. */
const NUDGED: Readonly<
  Record<WebhookNudge['wakes'], (tx: Db, now: number, channelId: string) => Promise<unknown>>
> = {
  'fulfilment-requests': wakeFulfilmentRequests,
  'order-poll': wakeCatchUp,
};

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
  async find(channelId: string, source: Signer): Promise<WebhookChannel> {
    const row = await this.#signing(channelId);
    if (!row || row.kind !== source.kind || !row.secrets)
      throw new AppError('not_found', `no ${source.label} channel ${channelId}`, 404);
    return { channelId, secrets: this.#signingSecrets(row.secrets, source) };
  }

  #signingSecrets(sealed: string, source: Signer): readonly string[] {
    const key = `${source.kind}:${source.purpose}:${sealed}`;
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
function verifiedJson(
  request: FastifyRequest,
  source: Verifier,
  channel: WebhookChannel,
): { raw: Buffer; text: string; parsed: ParsedJson } {
  const raw = rawBody(request.body);
  const signature = source.signatureHeader;
  if (!source.isSigned(raw, header(request.headers[signature]), channel.secrets)) {
    throw new AppError('bad_signature', `headers.${signature}: the signature does not match the body`, 401);
  }
  const text = raw.toString('utf8');
  const parsed = tryParseJson(text);
  if (!parsed) throw new AppError('malformed_json', 'body: not valid JSON', 400);
  return { raw, text, parsed };
}

/** Verify, read the headers, store: each refusal is a problem naming what is wrong. */
async function receive(
  intake: DeliveryIntake,
  request: FastifyRequest,
  source: WebhookSource,
  channel: WebhookChannel,
): Promise<AcceptDeliveryResult['kind']> {
  const names = source.headers;
  const { raw, text, parsed } = verifiedJson(
    request,
    { signatureHeader: names.signature, isSigned: source.isSigned },
    channel,
  );
  const deliveryId = header(request.headers[names.deliveryId]);
  const topic = header(request.headers[names.topic]);
  if (!deliveryId) throw new AppError('invalid_input', `headers.${names.deliveryId}: required`, 400);
  if (!topic) throw new AppError('invalid_input', `headers.${names.topic}: required`, 400);
  const delivery = {
    channelId: channel.channelId,
    deliveryId: source.inboxId(deliveryId, raw, topic, request.headers),
    topic,
    payload: text,
    parsed,
    triggeredAt: source.triggeredAt(request.headers),
  };
  return (await intake.accept(delivery)).kind;
}

function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
