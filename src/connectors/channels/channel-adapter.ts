import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { ChannelId } from '../../domain/ids.ts';
import type { ConnectionTestOptions, ConnectionTestResult } from '../shared/connection-test.ts';
import { readStoredSettings, type SetupFields } from '../shared/setup-fields.ts';
import type { ChannelMessage, SalesChannel } from './sales-channel.ts';

type Out<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;

/**
 * One kind of sales channel, as its folder declares it: its settings and secrets (the setup document's entry is
 * built from them), how to build the outbound channel for one stored channel, a connection test, and its webhooks
 * where it has them. Joined to Waybill by one line in ./registry.ts.
 *
 * @example
 * export const shopify = channelKind({ kind: 'shopify', label: 'Shopify', config, secrets, create, test, webhook });
 */
export interface SalesChannelAdapter<CS extends z.ZodRawShape, SS extends z.ZodRawShape> extends SetupFields<
  CS,
  SS
> {
  /** The setup document's `kind`, and the path of the channel's webhooks (/webhooks/{kind}/{channelId}). */
  readonly kind: string;
  /** The platform's name, for people (messages, the API's documentation). */
  readonly label: string;
  create(config: Out<CS>, secrets: Out<SS>, channel: ChannelContext): SalesChannel;
  /** One cheap real request with these settings and secrets (Shopify `shop { name }`): does it work? Changes nothing. */
  test(config: Out<CS>, secrets: Out<SS>, options: ConnectionTestOptions): Promise<ConnectionTestResult>;
  readonly webhook?: ChannelWebhook<Out<CS>, Out<SS>>;
  /**
   * Callbacks that carry no order to store and only wake the channel's own work: a platform whose notifications say
   * that something changed (Amazon's ORDER_CHANGE through an EventBridge API destination, BigCommerce's id-only
   * order hooks), verified their own way. A kind may have them with or without order webhooks.
   */
  readonly notifications?: ChannelNotifications<Out<SS>>;
  /** For a platform that versions its API and says which version answered (Shopify). */
  readonly apiVersion?: ApiVersioning;
}

/** What a channel is told of the Waybill around it when it is built. */
export interface ChannelContext {
  id: ChannelId;
  /**
   * The platform answered with another API version than the adapter asks for (a version out of support): told
   * once per channel and version in a process, kept by Waybill for the channel's status.
   */
  servedVersion?(served: string): void;
}

/** The API version an adapter pins, until when the platform supports it, and what that means at a given time. */
export interface ApiVersioning {
  readonly requested: string;
  readonly supportedUntil: string;
  /** The warnings for an operator at `now`, given the version the platform last answered with instead (if any). */
  status(now: Date, served: string | null): { served: string | null; warnings: string[] };
}

/**
 * A channel's webhooks on the wire: all the generic route (http/routes/webhooks.ts) needs to verify, key and store a
 * delivery of this platform, and how a stored delivery reads.
 */
export interface ChannelWebhook<C, S> {
  /** For the API's documentation of POST /webhooks/{kind}/{channelId}. */
  readonly summary: string;
  readonly description: string;
  /** Lower-case header names. */
  readonly headers: { signature: string; deliveryId: string; topic: string };
  /** The secrets a delivery may be signed with (two during a rotation). */
  signingSecrets(secrets: S): string[];
  /** Checks the signature of the raw body against the signing secrets, in constant time, before anything is parsed. */
  isSigned(raw: Buffer, signature: string | undefined, secrets: readonly string[]): boolean;
  triggeredAt(headers: IncomingHttpHeaders): Date | null;
  /** The inbox key: the platform's delivery id, unless it does not tell deliveries apart on its own. */
  inboxId(deliveryId: string, raw: Buffer, topic: string, headers: IncomingHttpHeaders): string;
  /** A request the platform sends to check the address (WooCommerce's ping): answered 200, nothing stored, unsigned. */
  readonly ping?: { contentType: string; is(raw: Buffer): boolean };
  /** Signed callbacks under the webhook's address that only wake Waybill's own work (Shopify's fulfillment-order notifications). */
  readonly nudges?: readonly WebhookNudge[];
  /**
   * Reads a stored delivery. Pure: no I/O. Throws a ZodError naming the field when the payload is not what the
   * platform documents.
   */
  interpret(channelId: ChannelId, topic: string, payload: unknown, config: C): ChannelMessage;
}

/**
 * How a platform's wake-up callbacks are verified, and what they wake. A platform that cannot sign a body (an
 * EventBridge API destination, BigCommerce's hooks) sends a shared key in a header instead: `isSigned` then compares
 * that key with the secrets, in constant time.
 */
export interface ChannelNotifications<S> {
  /** Lower-case name of the header that carries the signature, or the shared key. */
  readonly signatureHeader: string;
  /** The secrets a callback may be verified with (two during a rotation); none: the channel takes no callbacks. */
  signingSecrets(secrets: S): string[];
  /** Checks the raw body and header against the secrets in constant time, before anything is parsed. */
  isSigned(raw: Buffer, signature: string | undefined, secrets: readonly string[]): boolean;
  /** Each under /webhooks/{kind}/{channelId}/{path}. */
  readonly nudges: readonly WebhookNudge[];
}

/** A signed callback that wakes a recurring job of the channel's instead of carrying something to store. */
export interface WebhookNudge {
  /** Below /webhooks/{kind}/{channelId}/. */
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  /** What the body must be; `invalid` names the field when it is not. */
  accepts(payload: unknown): boolean;
  readonly invalid: string;
  /**
   * The channel's work it wakes: its look at fulfilment requests (Shopify), or its catch-up poll (a platform whose
   * notifications only say that something changed: Amazon's ORDER_CHANGE, BigCommerce's id-only order hooks).
   */
  readonly wakes: 'fulfilment-requests' | 'order-poll';
}

/**
 * A channel kind as the rest of Waybill uses it, whatever its settings' types: the stored settings (JSON) and opened
 * secrets are validated by the kind's own schemas on the way in.
 */
export interface ChannelKind {
  readonly kind: string;
  readonly label: string;
  readonly setup: SetupFields;
  /** The outbound channel of one stored channel. Settings a newer Waybill no longer takes throw PermanentError. */
  open(
    channelId: ChannelId,
    config: unknown,
    secrets: unknown,
    hooks?: Omit<ChannelContext, 'id'>,
  ): SalesChannel;
  test(config: unknown, secrets: unknown, options: ConnectionTestOptions): Promise<ConnectionTestResult>;
  readonly webhook?: StoredChannelWebhook;
  readonly notifications?: StoredChannelNotifications;
  readonly apiVersion?: ApiVersioning;
}

/** ChannelNotifications with the opened secrets validated on the way in. */
export interface StoredChannelNotifications extends Omit<ChannelNotifications<unknown>, 'signingSecrets'> {
  signingSecrets(secrets: unknown): string[];
}

/** ChannelWebhook with the stored settings and opened secrets validated on the way in. */
export interface StoredChannelWebhook extends Omit<
  ChannelWebhook<unknown, unknown>,
  'signingSecrets' | 'interpret'
> {
  signingSecrets(secrets: unknown): string[];
  interpret(channelId: ChannelId, topic: string, payload: unknown, config: unknown): ChannelMessage;
}

/** The adapter as a kind among others: what its folder declares, behind schemas that check what is stored. */
export function channelKind<CS extends z.ZodRawShape, SS extends z.ZodRawShape>(
  adapter: SalesChannelAdapter<CS, SS>,
): ChannelKind {
  const settings = (label: string, config: unknown) =>
    readStoredSettings(adapter.config, config, `${label}'s settings`);
  const secretsOf = (label: string, secrets: unknown) =>
    readStoredSettings(adapter.secrets, secrets, `${label}'s secrets`);
  const { webhook, notifications } = adapter;
  return {
    kind: adapter.kind,
    label: adapter.label,
    setup: adapter,
    open: (channelId, config, secrets, hooks = {}) =>
      adapter.create(settings(`channel ${channelId}`, config), secretsOf(`channel ${channelId}`, secrets), {
        ...hooks,
        id: channelId,
      }),
    test: (config, secrets, options) =>
      adapter.test(settings('the channel', config), secretsOf('the channel', secrets), options),
    ...(adapter.apiVersion && { apiVersion: adapter.apiVersion }),
    ...(notifications && {
      notifications: {
        ...notifications,
        signingSecrets: (secrets) => notifications.signingSecrets(secretsOf('the channel', secrets)),
      },
    }),
    ...(webhook && {
      webhook: {
        ...webhook,
        signingSecrets: (secrets) => webhook.signingSecrets(secretsOf('the channel', secrets)),
        interpret: (channelId, topic, payload, config) =>
          webhook.interpret(channelId, topic, payload, settings(`channel ${channelId}`, config)),
      },
    }),
  };
}
