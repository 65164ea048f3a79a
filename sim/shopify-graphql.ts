import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  buildClientSchema,
  getOperationAST,
  GraphQLError,
  GraphQLString,
  Kind,
  parse,
  validate,
  valueFromAST,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from 'graphql';
import { coerceVariables } from './graphql-variables.ts';

// What the Shopify simulator checks of each Admin API request before it runs it, as Shopify's GraphQL server does:
// the API version in the URL against Shopify's support window on the simulator's clock, the document against the
// published schema of the version served (validate()), and the variables coerced against the operation's variable
// definitions. The schema is Shopify's own introspection result (./shopify-schema/README.md), not written from
// Waybill's documents, so a document or variable that the version no longer has fails here as it would at Shopify.
//
// Versions (https://shopify.dev/docs/api/usage/versioning): a stable version YYYY-01/04/07/10 is released on the
// first of its month at 17:00 UTC and supported for 12 months. A request for a stable version no longer supported is
// served the oldest supported one ("falls forward"), and X-Shopify-API-Version names the version that answered. The
// next quarter's version is there before its release as the release candidate; `unstable` always answers. The
// simulator answers 404 for a version that is neither (a quarter further ahead, or not a version name at all).

/** The schemas the simulator has, by version; a version served without its own is checked against the newest one. */
const SCHEMA_FILES: Readonly<Record<string, string>> = { '2026-10': 'admin_2026-10.json.gz' };
export const NEWEST_SCHEMA = '2026-10';
const RELEASE_HOUR_UTC = 17;
const SUPPORT_MONTHS = 12;

/** The version that answers a request for `requested` at `now`; null when Shopify has no such version. */
export function servedVersion(requested: string, now: Date): string | null {
  if (requested === 'unstable') return requested;
  const asked = quarterOf(requested);
  if (asked === null) return null;
  const current = releasedBy(now);
  // The release candidate: the next quarter's version, callable before its release.
  if (asked > current + 1) return null;
  // Each is supported until the release of the version a year later: the four newest released are supported.
  const oldest = current - (SUPPORT_MONTHS / 3 - 1);
  return versionName(Math.max(asked, oldest));
}

/** Quarters since year 0: 2026-10 → 2026 × 4 + 3. */
function quarterOf(version: string): number | null {
  const match = /^(\d{4})-(01|04|07|10)$/.exec(version);
  return match ? Number(match[1]) * 4 + (Number(match[2]) - 1) / 3 : null;
}

function versionName(quarter: number): string {
  return `${Math.floor(quarter / 4)}-${String((quarter % 4) * 3 + 1).padStart(2, '0')}`;
}

function releaseOf(quarter: number): number {
  return Date.UTC(Math.floor(quarter / 4), (quarter % 4) * 3, 1, RELEASE_HOUR_UTC);
}

/** The newest stable version released by `now`. */
function releasedBy(now: Date): number {
  const quarter = now.getUTCFullYear() * 4 + Math.floor(now.getUTCMonth() / 3);
  return releaseOf(quarter) <= now.getTime() ? quarter : quarter - 1;
}

const schemas = new Map<string, GraphQLSchema>();

/** The published schema of a served version (loaded once per process: ~0.5 s); undefined for one before 2026-10. */
export function schemaOf(version: string): GraphQLSchema | undefined {
  const file = SCHEMA_FILES[version] ?? (version > NEWEST_SCHEMA ? SCHEMA_FILES[NEWEST_SCHEMA] : undefined);
  if (!file) return undefined;
  const known = schemas.get(file);
  if (known) return known;
  const raw = JSON.parse(
    gunzipSync(readFileSync(new URL(`./shopify-schema/${file}`, import.meta.url))).toString('utf8'),
  ) as { data: IntrospectionQuery };
  const schema = buildClientSchema(raw.data);
  schemas.set(file, schema);
  return schema;
}

/** A GraphQL error as Shopify's `errors` entries carry it. */
export interface RequestError {
  message: string;
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown>;
}

export type CheckedRequest =
  | { ok: true; operation: OperationDefinitionNode; variables: Record<string, unknown> }
  | { ok: false; errors: RequestError[] };

/** Parsed and validated documents by schema and text: the bench and the demo send the same few thousands of times. */
const documents = new WeakMap<
  GraphQLSchema,
  Map<string, { document: DocumentNode } | { errors: RequestError[] }>
>();

/** Parses and validates the document, picks the operation, and coerces the variables, as Shopify does before running. */
export function checkRequest(
  schema: GraphQLSchema,
  query: string,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): CheckedRequest {
  const checked = checkedDocument(schema, query);
  if ('errors' in checked) return { ok: false, errors: checked.errors };
  const operation = getOperationAST(checked.document, operationName);
  if (!operation) return { ok: false, errors: [{ message: `No operation named "${operationName ?? ''}"` }] };
  const coerced = coerceVariables(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 10,
  });
  if (coerced.errors)
    return {
      ok: false,
      errors: coerced.errors.map((e) => ({ ...shaped(e), extensions: { code: 'INVALID_VARIABLE' } })),
    };
  return { ok: true, operation, variables: coerced.coerced };
}

function checkedDocument(
  schema: GraphQLSchema,
  query: string,
): { document: DocumentNode } | { errors: RequestError[] } {
  const cache = documents.get(schema) ?? new Map();
  documents.set(schema, cache);
  const known = cache.get(query);
  if (known) return known;
  let result: { document: DocumentNode } | { errors: RequestError[] };
  try {
    const document = parse(query);
    const errors = validate(schema, document);
    result = errors.length > 0 ? { errors: errors.map(shaped) } : { document };
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    result = { errors: [shaped(error)] };
  }
  cache.set(query, result);
  return result;
}

function shaped(error: GraphQLError): RequestError {
  return { message: error.message, ...(error.locations && { locations: [...error.locations] }) };
}

/** The key of the `@idempotent(key:)` directive on the operation's first root field; undefined without one. */
export function idempotencyKey(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): string | undefined {
  const field = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  const directive = field?.directives?.find((d) => d.name.value === 'idempotent');
  const key = directive?.arguments?.find((a) => a.name.value === 'key');
  if (!key) return undefined;
  const value: unknown = valueFromAST(key.value, GraphQLString, variables);
  return typeof value === 'string' ? value : undefined;
}
