import { isSecretName, withoutUrlCredentials } from './url-credentials.ts';

/** The formats a supplier's feed comes in; what the pull asks for and refuses to take instead. */
export type FeedFormat = 'csv' | 'json' | 'xlsx';

/** The validators of the last pull that brought a file, as the supplier's server sent them. */
export interface PreviousPull {
  etag?: string;
  lastModified?: string;
}

export interface PullOptions {
  /** The whole pull may take this long: every redirect, the headers and the last byte of the body. */
  timeoutMs: number;
  /** A larger file is refused, whether its Content-Length says so or its bytes do. */
  maxBytes: number;
  /** Sent to the feed's own origin only (an Authorization header, an API key), never after a redirect elsewhere. */
  headers?: Record<string, string>;
  expect: FeedFormat;
}

export type PullResult =
  | { changed: false }
  | { changed: true; bytes: Buffer; etag?: string; lastModified?: string; contentType?: string };

/**
 * A pull that brought no feed. `retryable` says whether the same pull may succeed later (a 5xx, a timeout, a
 * maintenance page) or not until someone changes something (a 404, refused credentials, a file over the limit).
 * The message names the address without its credentials.
 */
export class PullFailed extends Error {
  readonly code = 'pull_failed';
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly reason: string;
  /** From Retry-After (429, 503): how long the server asked to be left alone. */
  readonly retryAfterMs: number | undefined;

  constructor(details: { status?: number; retryable: boolean; reason: string; retryAfterMs?: number }) {
    // Every reason passes here: whatever text it quotes, no address in it keeps a password or a token.
    const reason = withoutUrlCredentials(details.reason);
    super(reason);
    this.name = 'PullFailed';
    this.status = details.status;
    this.retryable = details.retryable;
    this.reason = reason;
    this.retryAfterMs = details.retryAfterMs;
  }
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** As src/feeds/read-feed.ts sniffs it. */
const HTML_START = /^<(!doctype html|html|head|body)\b/i;
const HTML_TYPE = /^\s*(text\/html|application\/xhtml\+xml)\b/i;
const ACCEPT: Record<FeedFormat, string> = {
  csv: 'text/csv, text/plain;q=0.9, */*;q=0.5',
  json: 'application/json, */*;q=0.5',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/octet-stream;q=0.9, */*;q=0.5',
};

/**
 * The supplier's feed file, unless it is unchanged since `previous`: a conditional GET (If-None-Match,
 * If-Modified-Since) answered 304 is `{ changed: false }`. Follows up to 5 redirects; http and https. Credentials
 * in the address (`https://user:pass@…`) are sent as HTTP Basic. Throws PullFailed for anything but a feed.
 *
 * @example
 * const pulled = await pullIfChanged(feed.url, { etag: feed.etag }, { timeoutMs: 60_000, maxBytes: 200e6, expect: 'csv' });
 * if (pulled.changed) for await (const batch of readFeed(pulled.bytes, mapping)) …
 */
export async function pullIfChanged(
  url: string,
  previous: PreviousPull,
  options: PullOptions,
): Promise<PullResult> {
  const target = parseFeedUrl(url);
  const headers = requestHeaders(previous, options, target);
  const secrets = [...target.secrets, ...secretHeaderValues(options.headers ?? {})];
  const signal = AbortSignal.timeout(options.timeoutMs);
  const trail = { url: target.url };
  try {
    const response = await followRedirects(trail, headers, signal);
    return await readAnswer(response, trail.url, previous, options);
  } catch (error) {
    if (error instanceof PullFailed) throw error;
    throw failureWithoutAnswer(error, signal.aborted, trail.url, options.timeoutMs, secrets);
  }
}

interface FeedUrl {
  /** Without its userinfo: fetch refuses an address with credentials (and names them in its error). */
  url: URL;
  basicAuthorization: string | undefined;
  /** The userinfo and the secret query values, as typed and decoded. */
  secrets: string[];
}

function parseFeedUrl(text: string): FeedUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not quoted: an address that does not parse may hide its secret from the redaction too.
    throw new PullFailed({ retryable: false, reason: 'the feed address is not a valid URL' });
  }
  const user = decoded(url.username);
  const password = decoded(url.password);
  const basic = user || password ? Buffer.from(`${user}:${password}`).toString('base64') : undefined;
  const queried = [...url.searchParams].filter(([name]) => isSecretName(name)).map(([, value]) => value);
  const secrets = [url.username, url.password, password, basic ?? '', ...queried].filter(
    (secret) => secret !== '',
  );
  url.username = '';
  url.password = '';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PullFailed({ retryable: false, reason: `${url.href} is not an http:// or https:// address` });
  }
  return { url, basicAuthorization: basic && `Basic ${basic}`, secrets };
}

/** Percent-decoded, or as typed when it is not valid percent-encoding (the URL parser lets `%zz` through). */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The feed's own origin gets `private`; any other origin a redirect leads to, only `public`. */
interface HeaderSets {
  public: Headers;
  private: Headers;
}

function requestHeaders(previous: PreviousPull, options: PullOptions, target: FeedUrl): HeaderSets {
  const shared = new Headers({ accept: ACCEPT[options.expect] });
  if (previous.etag) setHeader(shared, 'if-none-match', previous.etag);
  if (previous.lastModified) setHeader(shared, 'if-modified-since', previous.lastModified);
  const own = new Headers(shared);
  if (target.basicAuthorization) own.set('authorization', target.basicAuthorization);
  for (const [name, value] of Object.entries(options.headers ?? {})) setHeader(own, name, value);
  return { public: shared, private: own };
}

function setHeader(headers: Headers, name: string, value: string): void {
  try {
    headers.set(name, value);
  } catch {
    // Not Headers' own message: it quotes the value, which may be the secret.
    throw new PullFailed({
      retryable: false,
      reason: `the feed's ${name} header is not a valid HTTP header`,
    });
  }
}

/** Follows redirects by hand, to count them and to choose the headers of each hop; `trail.url` is the latest. */
async function followRedirects(
  trail: { url: URL },
  headers: HeaderSets,
  signal: AbortSignal,
): Promise<Response> {
  const origin = trail.url.origin;
  let leftOrigin = false;
  for (let hop = 0; ; hop++) {
    // Another host (a CDN, a storage bucket) must not receive the supplier's credentials, as curl does without
    // --location-trusted; once the pull has left the feed's origin it does not send them again.
    leftOrigin ||= trail.url.origin !== origin;
    const sent = leftOrigin ? headers.public : headers.private;
    const response = await fetch(trail.url, { headers: sent, redirect: 'manual', signal });
    if (!REDIRECT_STATUSES.has(response.status)) return response;
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (location === null || hop === MAX_REDIRECTS) {
      const why = location === null ? 'without a Location' : `after ${MAX_REDIRECTS} redirects`;
      const reason = `${trail.url.href} answered ${response.status} ${why}`;
      throw new PullFailed({ status: response.status, retryable: false, reason });
    }
    trail.url = nextHop(trail.url, location);
  }
}

function nextHop(from: URL, location: string): URL {
  const next = URL.canParse(location, from) ? new URL(location, from) : undefined;
  if (next === undefined || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
    throw new PullFailed({
      retryable: false,
      reason: `${from.href} redirected to an address that is not http(s)`,
    });
  }
  next.username = '';
  next.password = '';
  return next;
}

async function readAnswer(
  response: Response,
  url: URL,
  previous: PreviousPull,
  options: PullOptions,
): Promise<PullResult> {
  if (response.status === 304 && (previous.etag || previous.lastModified)) return { changed: false };
  if (!response.ok) {
    await response.body?.cancel();
    throw failureOfStatus(response, url);
  }
  const contentType = response.headers.get('content-type') ?? undefined;
  if (contentType !== undefined && HTML_TYPE.test(contentType)) {
    await response.body?.cancel();
    throw htmlPage(url, response.status, `its Content-Type is ${contentType}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw tooLarge(url, `${declared} bytes by its Content-Length`, options.maxBytes);
  }
  const bytes = await readAtMost(response.body, options.maxBytes, () =>
    tooLarge(url, `more than ${options.maxBytes} bytes`, options.maxBytes),
  );
  if (startsLikeHtml(bytes)) throw htmlPage(url, response.status, 'its body starts like an HTML page');
  return {
    changed: true,
    bytes,
    etag: response.headers.get('etag') ?? undefined,
    lastModified: response.headers.get('last-modified') ?? undefined,
    contentType,
  };
}

/** The body, counted as it streams: a server that sends no Content-Length (or a wrong one) still stops at the limit. */
async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  overLimit: () => PullFailed,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Leaving the loop by a throw cancels the stream, and undici closes the connection.
  for await (const chunk of body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) throw overLimit();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function startsLikeHtml(bytes: Buffer): boolean {
  const head = bytes
    .subarray(0, 1024)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return HTML_START.test(head);
}

function htmlPage(url: URL, status: number, evidence: string): PullFailed {
  // Retryable: a 200 HTML page in place of a feed is most often a maintenance or error page that goes away; a login
  // page that stays keeps failing until the job's attempts run out, with this reason for the operator to read.
  return new PullFailed({
    status,
    retryable: true,
    reason: `${url.href} answered ${status} with an HTML page instead of the feed (${evidence}): a maintenance, error or login page?`,
  });
}

function tooLarge(url: URL, size: string, maxBytes: number): PullFailed {
  return new PullFailed({
    retryable: false,
    reason: `${url.href} is ${size}, over the ${maxBytes} bytes a feed may have`,
  });
}

function failureOfStatus(response: Response, url: URL): PullFailed {
  const { status } = response;
  const retryAfterMs = retryAfterOf(response.headers.get('retry-after'));
  const wait = retryAfterMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
  const hint =
    status === 401 || status === 403
      ? ': check the supplier feed credentials'
      : status === 404 || status === 410
        ? ': check the feed address'
        : '';
  return new PullFailed({
    status,
    retryable: status === 408 || status === 429 || status >= 500,
    reason: `${url.href} answered ${`${status} ${response.statusText}`.trim()}${hint}${wait}`,
    retryAfterMs,
  });
}

/** Retry-After is either whole seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterOf(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function failureWithoutAnswer(
  error: unknown,
  timedOut: boolean,
  url: URL,
  timeoutMs: number,
  secrets: readonly string[],
): PullFailed {
  if (timedOut) {
    return new PullFailed({ retryable: true, reason: `${url.href} did not finish within ${timeoutMs} ms` });
  }
  // undici's "fetch failed" says nothing; its cause says ECONNREFUSED, ENOTFOUND, a reset or a TLS problem.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? cause.message : String(cause);
  // The error itself is not kept as a cause: a logger would print it whole, past the redaction.
  return new PullFailed({
    retryable: true,
    reason: `${url.href}: the connection failed (${scrub(text, secrets)})`,
  });
}

/** The values of secret-named headers, whole and without their scheme (`Bearer abc` and `abc`). */
function secretHeaderValues(headers: Record<string, string>): string[] {
  return Object.entries(headers)
    .filter(([name, value]) => isSecretName(name) && value !== '')
    .flatMap(([, value]) => [value, value.replace(/^\S+\s+/, '')]);
}

/** Text quoted from below us (undici's errors) with every known secret value taken out. */
function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}
