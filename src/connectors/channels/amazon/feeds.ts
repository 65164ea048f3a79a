import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { SkippedStock, StockPushOutcome, StockReport, StockUpdate } from '../sales-channel.ts';
import type { AmazonEndpoint } from './credentials.ts';
import { downloadDocument, uploadDocument } from './documents.ts';
import { quantityPatch } from './listings.ts';
import type { SpApiCall } from './transport.ts';

/**
 * Stock as a JSON_LISTINGS_FEED (Feeds API 2021-06-30; the feed's document format is
 * schemas/feeds/listings-feed-schema-v2.json): createFeedDocument gives a pre-signed URL, the document goes there,
 * createFeed submits it, and Amazon processes it later. getFeed says when it is DONE (or FATAL, CANCELLED), and the
 * processing report at its resultFeedDocumentId (getFeedDocument) lists each message Amazon refused, by messageId
 * (and by SKU, where the report gives it).
 */
export const FEED_MESSAGES_AT_MOST = 10_000;
const FEED_TYPE = 'JSON_LISTINGS_FEED';
const CONTENT_TYPE = 'application/json; charset=UTF-8';

export async function submitStockFeed(
  call: SpApiCall,
  endpoint: AmazonEndpoint,
  levels: readonly StockUpdate[],
  signal: AbortSignal,
  feedSlot: () => Promise<void>,
): Promise<StockPushOutcome> {
  if (levels.length > FEED_MESSAGES_AT_MOST)
    throw new RangeError(`at most ${FEED_MESSAGES_AT_MOST} SKUs per feed`);
  // The feed type's own limit first: no document is made for a feed that could not be submitted now.
  await feedSlot();
  const document = z.object({ feedDocumentId: z.string().min(1), url: z.url() }).safeParse(
    (
      await call({
        operation: 'createFeedDocument',
        method: 'POST',
        path: '/feeds/2021-06-30/documents',
        body: { contentType: CONTENT_TYPE },
      })
    ).body,
  );
  if (!document.success)
    throw new PermanentError('Amazon answered createFeedDocument without a document id and URL');
  await uploadDocument(document.data.url, CONTENT_TYPE, JSON.stringify(feedOf(endpoint, levels)), signal);
  const feed = z.object({ feedId: z.string().min(1) }).safeParse(
    (
      await call({
        operation: 'createFeed',
        alsoLimitedBy: FEED_TYPE,
        method: 'POST',
        path: '/feeds/2021-06-30/feeds',
        body: {
          feedType: FEED_TYPE,
          marketplaceIds: endpoint.marketplaceIds,
          inputFeedDocumentId: document.data.feedDocumentId,
        },
      })
    ).body,
  );
  if (!feed.success) throw new PermanentError('Amazon answered createFeed without a feed id');
  const skus = levels.map((l) => l.sku);
  return { skipped: [], pending: [{ reportId: feed.data.feedId, skus }] };
}

/** The feed document: one PATCH message per SKU, numbered from 1. */
function feedOf(endpoint: AmazonEndpoint, levels: readonly StockUpdate[]) {
  return {
    header: { sellerId: endpoint.sellerId, version: '2.0', issueLocale: 'en_US' },
    messages: levels.map((level, i) => ({
      messageId: i + 1,
      sku: level.sku,
      operationType: 'PATCH',
      productType: endpoint.productType,
      patches: [quantityPatch(level.available)],
    })),
  };
}

const feedStatus = z.object({
  feedId: z.string(),
  processingStatus: z.enum(['CANCELLED', 'DONE', 'FATAL', 'IN_PROGRESS', 'IN_QUEUE']),
  resultFeedDocumentId: z.string().optional(),
});
const feedDocument = z.object({ url: z.url(), compressionAlgorithm: z.string().optional() });
const processingReport = z.object({
  issues: z.array(
    z.object({
      messageId: z.number().int().optional(),
      sku: z.string().optional(),
      code: z.string().optional(),
      severity: z.string(),
      message: z.string(),
    }),
  ),
});

/**
 * What became of the feeds: pending while IN_QUEUE or IN_PROGRESS; done once Amazon finished, with every SKU its
 * report refused (severity ERROR). A report that cannot be read now (the usage plan of getFeedDocument allows one
 * about every 45 s, an answer lost) leaves its feed pending for the next look instead of failing the stock sync.
 */
export async function readStockReports(
  call: SpApiCall,
  feeds: readonly { reportId: string; skus: readonly string[] }[],
  signal: AbortSignal,
): Promise<StockReport[]> {
  const reports: StockReport[] = [];
  for (const { reportId: feedId, skus } of feeds) {
    try {
      reports.push(await readReport(call, feedId, skus, signal));
    } catch (error) {
      if (error instanceof PermanentError || signal.aborted) throw error;
      reports.push({ reportId: feedId, status: 'pending', skipped: [] });
    }
  }
  return reports;
}

async function readReport(
  call: SpApiCall,
  feedId: string,
  skus: readonly string[],
  signal: AbortSignal,
): Promise<StockReport> {
  const answer = await call({
    operation: 'getFeed',
    method: 'GET',
    path: `/feeds/2021-06-30/feeds/${encodeURIComponent(feedId)}`,
  });
  const feed = feedStatus.safeParse(answer.body);
  if (!feed.success)
    throw new PermanentError(`Amazon answered getFeed ${feedId} with something that is not a feed`);
  const { processingStatus, resultFeedDocumentId } = feed.data;
  if (processingStatus === 'IN_QUEUE' || processingStatus === 'IN_PROGRESS')
    return { reportId: feedId, status: 'pending', skipped: [] };
  const refused = resultFeedDocumentId
    ? await refusedSkus(call, feedId, resultFeedDocumentId, skus, signal)
    : [];
  if (processingStatus === 'DONE' || refused.length > 0) {
    return { reportId: feedId, status: 'done', skipped: refused };
  }
  // Aborted (FATAL) or cancelled without a word on any SKU: none of the levels it carried can be taken as set.
  const why = processingStatus === 'FATAL' ? 'Amazon aborted the feed (FATAL)' : 'the feed was cancelled';
  return { reportId: feedId, status: 'done', skipped: skus.map((sku) => ({ sku, reason: why })) };
}

async function refusedSkus(
  call: SpApiCall,
  feedId: string,
  documentId: string,
  skus: readonly string[],
  signal: AbortSignal,
): Promise<SkippedStock[]> {
  const answer = await call({
    operation: 'getFeedDocument',
    method: 'GET',
    path: `/feeds/2021-06-30/documents/${encodeURIComponent(documentId)}`,
  });
  const document = feedDocument.safeParse(answer.body);
  if (!document.success)
    throw new PermanentError(`Amazon answered getFeedDocument for feed ${feedId} without a URL`);
  const text = await downloadDocument(document.data.url, document.data.compressionAlgorithm, signal);
  let report: z.infer<typeof processingReport>;
  try {
    report = processingReport.parse(JSON.parse(text));
  } catch {
    throw new PermanentError(
      `the processing report of Amazon feed ${feedId} is not a JSON listings feed report`,
    );
  }
  const bySku = new Map<string, string[]>();
  for (const issue of report.issues) {
    // An issue names its message by messageId, the SKU being optional in the report (the feed numbers its
    // messages from 1, in the order of `skus`).
    const sku = issue.sku ?? (issue.messageId === undefined ? undefined : skus[issue.messageId - 1]);
    if (issue.severity !== 'ERROR' || !sku) continue;
    bySku.set(sku, [...(bySku.get(sku) ?? []), `${issue.code ?? ''} ${issue.message}`.trim()]);
  }
  return [...bySku].map(([sku, messages]) => ({
    sku,
    reason: `Amazon refused it in feed ${feedId}: ${messages.join('; ')}`,
  }));
}
