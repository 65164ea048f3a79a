/**
 * How a Magento store checks a request signed with OAuth 1.0a by one of its integrations, written from Magento's
 * own code (Magento\Framework\Oauth\Helper\Request, Magento\Framework\Oauth\Oauth, the Zend/Laminas OAuth utility it
 * signs with, Magento\Integration\Model\Oauth\Nonce\Generator) and Adobe's "OAuth-based authentication" page, not
 * from Waybill's client: the protocol parameters from the Authorization header, the query's parameters beside them,
 * HMAC-SHA1 or HMAC-SHA256 over the base string of method, normalised URL and the parameters sorted as PHP's
 * uksort(strnatcmp) sorts their encoded names; a nonce good once per consumer; a timestamp refused only when it is
 * more than ten minutes ahead. Demo and test use only.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The integration a store knows: its four OAuth values. */
export interface MagentoIntegration {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  accessTokenSecret: string;
}

/** Why a request was refused, with the status Magento answers it with (400 OauthInputException, 401 Oauth\Exception). */
export interface OAuthRefusal {
  status: 400 | 401;
  message: string;
  parameters?: unknown;
}

/** Nonce\Generator::TIME_DEVIATION. */
const TIME_DEVIATION_SECONDS = 600;
const SUPPORTED_METHODS = new Set(['HMAC-SHA1', 'HMAC-SHA256']);

/**
 * Checks one request; undefined when it is the integration's. `url` is the request URL as Magento computes it
 * (scheme, Host header, request URI with its query). `nonces` keeps the nonces used.
 */
export function verifyOAuth(
  authorization: string,
  method: string,
  url: URL,
  integration: MagentoIntegration,
  nonces: Set<string>,
  nowSeconds: number,
): OAuthRefusal | undefined {
  const params = protocolParams(authorization);
  if (params.oauth_version !== undefined && params.oauth_version !== '1.0')
    return {
      status: 400,
      message: `The "%1" Oauth version isn't supported.`,
      parameters: [params.oauth_version],
    };
  const required = [
    'oauth_consumer_key',
    'oauth_signature',
    'oauth_signature_method',
    'oauth_nonce',
    'oauth_timestamp',
    'oauth_token',
  ];
  const missing = required.find((name) => params[name] === undefined);
  if (missing)
    return {
      status: 400,
      message: '"%fieldName" is required. Enter and try again.',
      parameters: { fieldName: missing },
    };
  if (!SUPPORTED_METHODS.has(params.oauth_signature_method!))
    return {
      status: 400,
      message: 'Signature method %1 is not supported',
      parameters: [params.oauth_signature_method],
    };
  if (params.oauth_consumer_key !== integration.consumerKey)
    return { status: 401, message: 'A consumer having the specified key does not exist' };
  const timestamp = Number.parseInt(params.oauth_timestamp!, 10);
  if (!(timestamp > 0) || timestamp > nowSeconds + TIME_DEVIATION_SECONDS)
    return { status: 400, message: 'Incorrect timestamp value in the oauth_timestamp parameter' };
  if (nonces.has(params.oauth_nonce!))
    return {
      status: 401,
      message: 'The nonce is already being used by the consumer with ID %1',
      parameters: ['1'],
    };
  nonces.add(params.oauth_nonce!);
  if (params.oauth_token !== integration.accessToken)
    return { status: 401, message: 'The access token is invalid. Verify the access token and try again.' };
  const signed = { ...queryParams(url), ...params };
  delete signed.oauth_signature;
  const expected = signature(signed, params.oauth_signature_method!, method, url, integration);
  const given = Buffer.from(params.oauth_signature!);
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted))
    return { status: 401, message: 'The signature is invalid. Verify and try again.' };
  return undefined;
}

/** Request::_processHeader: after "OAuth ", comma-separated name="value" pairs, both rawurldecoded. */
function protocolParams(header: string): Record<string, string> {
  const at = header.toLowerCase().indexOf('oauth ');
  const params: Record<string, string> = {};
  if (at < 0) return params;
  for (const part of header.slice(at + 6).split(',')) {
    const [name, value] = splitOnce(part.trim(), '=');
    if (value === undefined || !/oauth_[a-z_-]+/.test(name)) continue;
    params[decodeURIComponent(name)] = decodeURIComponent(value.replace(/^"|"$/g, ''));
  }
  return params;
}

/** Request::_extractQueryStringParams: the query split on & and =, pairs of exactly two, urldecoded ('+' a space). */
function queryParams(url: URL): Record<string, string> {
  const params: Record<string, string> = {};
  const query = url.search.slice(1);
  if (!query) return params;
  for (const pair of query.split('&')) {
    const parts = pair.split('=');
    if (parts.length !== 2 || /oauth_[a-z_-]+/.test(parts[0]!)) continue;
    params[urlDecode(parts[0]!)] = urlDecode(parts[1]!);
  }
  return params;
}

function signature(
  params: Record<string, string>,
  signatureMethod: string,
  httpMethod: string,
  url: URL,
  integration: MagentoIntegration,
): string {
  const encoded = Object.entries(params).map(([name, value]) => [rfc3986(name), rfc3986(value)] as const);
  encoded.sort(([a], [b]) => strnatcmp(a, b));
  const base = [
    httpMethod.toUpperCase(),
    rfc3986(normalisedUrl(url)),
    rfc3986(encoded.map(([name, value]) => `${name}=${value}`).join('&')),
  ].join('&');
  const key = `${rfc3986(integration.consumerSecret)}&${rfc3986(integration.accessTokenSecret)}`;
  return createHmac(signatureMethod === 'HMAC-SHA1' ? 'sha1' : 'sha256', key)
    .update(base)
    .digest('base64');
}

/** Scheme and host in lower case, the default port dropped, no query or fragment. */
function normalisedUrl(url: URL): string {
  return `${url.protocol}//${url.host.toLowerCase()}${url.pathname}`;
}

/** PHP's rawurlencode with '~' kept (Utility::urlEncode). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function urlDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * PHP's strnatcmp, as far as names of parameters need it: runs of digits compared by value, everything else by
 * byte. (So Magento puts `…[2]…` before `…[10]…`, where RFC 5849's byte order would not.)
 */
export function strnatcmp(a: string, b: string): number {
  const runs = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const left = runs(a);
  const right = runs(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return diff;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
