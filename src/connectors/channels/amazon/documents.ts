import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

/**
 * Feed documents travel outside SP-API, to and from the pre-signed URLs createFeedDocument and getFeedDocument give
 * (Amazon S3): no access token, and the URL's query is its signature, kept out of every message. Both URLs expire
 * after five minutes.
 */
const TIMEOUT_MS = 60_000;
const unzip = promisify(gunzip);

export async function uploadDocument(
  url: string,
  contentType: string,
  body: string,
  signal: AbortSignal,
): Promise<void> {
  const response = await transfer(
    url,
    { method: 'PUT', headers: { 'content-type': contentType }, body },
    signal,
  );
  if (!response.ok)
    throw new Error(
      `the upload of a feed document to ${where(url)} answered ${response.status}; retried later`,
    );
}

export async function downloadDocument(
  url: string,
  compression: string | undefined,
  signal: AbortSignal,
): Promise<string> {
  const response = await transfer(url, { method: 'GET' }, signal);
  if (!response.ok)
    throw new Error(
      `the download of a feed report from ${where(url)} answered ${response.status}; retried later`,
    );
  const bytes = Buffer.from(await response.arrayBuffer());
  return (compression === 'GZIP' ? await unzip(bytes) : bytes).toString('utf8');
}

async function transfer(url: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) });
  } catch (error) {
    if (signal.aborted) throw error;
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new Error(
      `no answer from ${where(url)} for a feed document: ${reason.split(url).join(where(url))}`,
    );
  }
}

/** The document's host and path, without the signature in its query. */
function where(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
