/**
 * The simulated Amazon's Feeds API (./contracts/amazon/feeds_2021-06-30.json) for JSON_LISTINGS_FEED: documents
 * created with a pre-signed URL of the simulator's own (the signature in the query, five minutes, the content type
 * it was created for), feeds processed in the background (IN_QUEUE → IN_PROGRESS → DONE), each message checked
 * against the feed schema (./contracts/amazon/listings-feed-schema-v2.json) and applied, and a processing report
 * (listings-feed-processing-report-schema-v2.json), gzipped, listing every message refused. A document that is not a
 * feed at all ends the feed FATAL. Demo and test use only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';

const FEED_SCHEMA = JSON.parse(
  readFileSync(new URL('./contracts/amazon/listings-feed-schema-v2.json', import.meta.url), 'utf8'),
) as object;
const URL_LIFETIME_MS = 5 * 60_000;
export const FEED_TYPE = 'JSON_LISTINGS_FEED';

export type FeedStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL' | 'CANCELLED';

export interface SimFeed {
  feedId: string;
  feedType: string;
  marketplaceIds: string[];
  createdMs: number;
  status: FeedStatus;
  startedMs?: number;
  endedMs?: number;
  inputDocumentId: string;
  resultDocumentId?: string;
}

interface SimDocument {
  id: string;
  contentType: string;
  signature: string;
  expiresMs: number;
  content: Buffer | null;
  /** A report Amazon writes compressed. */
  gzip: boolean;
}

/** What a feed message asks of one listing: its merchant-fulfilled quantity. Answers why not, or null when applied. */
export type ApplyQuantity = (sku: string, quantity: number) => string | null;

export interface FeedIssue {
  messageId?: number;
  sku?: string;
  code: string;
  severity: 'ERROR' | 'WARNING';
  message: string;
}

export class FeedDesk {
  readonly feeds = new Map<string, SimFeed>();
  readonly #documents = new Map<string, SimDocument>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #validate: ValidateFunction;

  constructor(
    private readonly deps: {
      baseUrl: () => string;
      now: () => number;
      sellerId: string;
      processingMs: () => number;
      apply: ApplyQuantity;
    },
  ) {
    this.#validate = new Ajv({ allErrors: false, strict: false }).compile(FEED_SCHEMA);
  }

  createDocument(contentType: string): { feedDocumentId: string; url: string } {
    const document = this.#newDocument(contentType, null, false);
    return { feedDocumentId: document.id, url: this.#urlOf(document) };
  }

  /** PUT to a document's URL: 403 for a wrong or stale signature or another content type, as S3 answers. */
  upload(id: string, signature: string | null, contentType: string | undefined, body: Buffer): number {
    const document = this.#documents.get(id);
    if (!document || document.content !== null) return 403;
    if (!this.#signed(document, signature) || contentType !== document.contentType) return 403;
    document.content = body;
    return 200;
  }

  download(id: string, signature: string | null): { status: number; body?: Buffer; contentType?: string } {
    const document = this.#documents.get(id);
    if (!document?.content || !this.#signed(document, signature)) return { status: 403 };
    return { status: 200, body: document.content, contentType: document.contentType };
  }

  /** createFeed: the error Amazon answers, or the new feed (processed after processingMs). */
  createFeed(spec: {
    feedType: string;
    marketplaceIds: string[];
    inputFeedDocumentId: string;
  }): SimFeed | string {
    if (spec.feedType !== FEED_TYPE) return `feed type ${spec.feedType} is not one this simulator processes`;
    const input = this.#documents.get(spec.inputFeedDocumentId);
    if (!input?.content)
      return `feed document ${spec.inputFeedDocumentId} has no contents: upload them before createFeed`;
    const feed: SimFeed = {
      feedId: String(50_000_000 + this.feeds.size + 1),
      feedType: spec.feedType,
      marketplaceIds: spec.marketplaceIds,
      createdMs: this.deps.now(),
      status: 'IN_QUEUE',
      inputDocumentId: input.id,
    };
    this.feeds.set(feed.feedId, feed);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#process(feed, input.content!);
    }, this.deps.processingMs());
    this.#timers.add(timer);
    return feed;
  }

  /** getFeedDocument's answer for a report; undefined when there is no such document. */
  reportDocument(
    id: string,
  ): { feedDocumentId: string; url: string; compressionAlgorithm?: 'GZIP' } | undefined {
    const document = this.#documents.get(id);
    if (!document?.content) return undefined;
    // A fresh URL each time, as Amazon's expire.
    document.signature = randomBytes(16).toString('hex');
    document.expiresMs = this.deps.now() + URL_LIFETIME_MS;
    return {
      feedDocumentId: id,
      url: this.#urlOf(document),
      ...(document.gzip ? { compressionAlgorithm: 'GZIP' } : {}),
    };
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #process(feed: SimFeed, content: Buffer): void {
    feed.status = 'IN_PROGRESS';
    feed.startedMs = this.deps.now();
    const { issues, processed, accepted, fatal } = this.#applyAll(content);
    const report = {
      header: { sellerId: this.deps.sellerId, version: '2.0', feedId: feed.feedId },
      issues,
      summary: {
        errors: issues.filter((i) => i.severity === 'ERROR').length,
        warnings: issues.filter((i) => i.severity === 'WARNING').length,
        messagesProcessed: processed,
        messagesAccepted: accepted,
        messagesInvalid: processed - accepted,
      },
    };
    const result = this.#newDocument('application/json', gzipSync(JSON.stringify(report)), true);
    feed.resultDocumentId = result.id;
    feed.status = fatal ? 'FATAL' : 'DONE';
    feed.endedMs = this.deps.now();
  }

  #applyAll(content: Buffer): { issues: FeedIssue[]; processed: number; accepted: number; fatal: boolean } {
    let document: unknown;
    try {
      document = JSON.parse(content.toString('utf8'));
    } catch {
      return {
        issues: [fatalIssue('the feed document is not JSON')],
        processed: 0,
        accepted: 0,
        fatal: true,
      };
    }
    if (!this.#validate(document)) {
      const error = this.#validate.errors?.[0];
      const at = error?.instancePath || '(root)';
      return {
        issues: [fatalIssue(`${at}: ${error?.message ?? 'invalid'}`)],
        processed: 0,
        accepted: 0,
        fatal: true,
      };
    }
    const { header, messages } = document as { header: { sellerId: string }; messages: FeedMessage[] };
    if (header.sellerId !== this.deps.sellerId)
      return {
        issues: [fatalIssue(`sellerId ${header.sellerId} is not the submitting seller`)],
        processed: 0,
        accepted: 0,
        fatal: true,
      };
    const issues: FeedIssue[] = [];
    let accepted = 0;
    for (const message of messages) {
      const refused = this.#applyMessage(message);
      // An issue names its message by messageId ("Correlated to Identifiers provided in the submitted feed"); the
      // report schema makes `sku` optional, and this simulator leaves it out, as a report may.
      if (refused)
        issues.push({
          messageId: message.messageId,
          code: refused.code,
          severity: 'ERROR',
          message: refused.message,
        });
      else accepted++;
    }
    return { issues, processed: messages.length, accepted, fatal: false };
  }

  #applyMessage(message: FeedMessage): { code: string; message: string } | null {
    // Loops rather than filter and flatMap: a feed holds up to 10,000 messages.
    let quantities = 0;
    let quantity: unknown;
    if (message.operationType === 'PATCH')
      for (const patch of message.patches ?? []) {
        const applies =
          patch.path === '/attributes/fulfillment_availability' &&
          (patch.op === 'merge' || patch.op === 'replace');
        if (applies)
          for (const value of patch.value ?? [])
            if (value.fulfillment_channel_code === 'DEFAULT') {
              quantities += 1;
              quantity ??= value.quantity;
            }
      }
    if (quantities !== 1 || typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 0)
      return {
        code: '90000900',
        message: 'the simulator applies one DEFAULT fulfillment_availability quantity per PATCH message',
      };
    const refused = this.deps.apply(message.sku, quantity);
    return refused ? { code: '4000001', message: refused } : null;
  }

  #newDocument(contentType: string, content: Buffer | null, gzip: boolean): SimDocument {
    const document: SimDocument = {
      id: `amzn1.tortuga.4.na.${randomUUID()}`,
      contentType,
      signature: randomBytes(16).toString('hex'),
      expiresMs: this.deps.now() + URL_LIFETIME_MS,
      content,
      gzip,
    };
    this.#documents.set(document.id, document);
    return document;
  }

  #urlOf(document: SimDocument): string {
    return `${this.deps.baseUrl()}/feed-documents/${encodeURIComponent(document.id)}?X-Amz-Expires=300&X-Amz-Signature=${document.signature}`;
  }

  #signed(document: SimDocument, signature: string | null): boolean {
    return signature === document.signature && this.deps.now() <= document.expiresMs;
  }
}

interface FeedMessage {
  messageId: number;
  sku: string;
  operationType: string;
  patches?: {
    op: string;
    path: string;
    value?: { fulfillment_channel_code?: string; quantity?: unknown }[];
  }[];
}

function fatalIssue(message: string): FeedIssue {
  return { code: '4000000', severity: 'ERROR', message };
}
