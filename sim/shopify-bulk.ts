// Bulk query operations of the simulated Admin API.
//
// Written from shopify.dev ("Perform bulk operations with the GraphQL Admin API", bulkOperationRunQuery,
// BulkOperation, BulkOperationUserErrorCode, the 2026-01 changelogs "Faster bulk operations" and "Bulk operations
// group objects default changed to false"), not from src/. An app may run up to five bulk queries at a time per
// shop (2026-01 on); more is LIMIT_REACHED. The query is a document of its own, validated against the schema; it
// selects one top-level connection, with no page arguments. The result is a JSONL file, one line per node, at a
// signed URL outside the Admin API: fetched without the app's token. Only what Waybill exports is run: the shop's
// product variants with their id, sku, product { id } and inventoryItem { id }; anything else is refused as such.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Kind, parse, validate, type FieldNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { gid, GraphqlError, MUTATION_COST, shopTime, type AdminOperation } from './shopify-common.ts';

/** A variant as an export shows it. */
export interface ExportableVariant {
  id: string;
  sku: string | null;
  productId: string;
  inventoryItemId: string;
}

export type SimBulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';

export interface SimBulkOperation {
  id: string;
  status: SimBulkStatus;
  query: string;
  errorCode: string | null;
  /** Lines in the file once COMPLETED. */
  objectCount: number;
  createdAt: string;
  completedAt: string | null;
}

/** A download of a result file, as the simulator saw it. */
export interface SimBulkDownload {
  operationId: string;
  /** Whether the request carried an X-Shopify-Access-Token (the signed URL needs none). */
  withAccessToken: boolean;
  status: number;
}

/** What a test may do to the bulk operations (ShopifyAdmin.bulk). */
export interface BulkControl {
  /** Operations stay RUNNING until release(): a test changes the shop while an export runs. */
  hold(): void;
  /** Held operations complete, each with the shop as it is now. */
  release(): void;
  /** The next operation ends FAILED with this error code (INTERNAL_SERVER_ERROR, TIMEOUT, ACCESS_DENIED). */
  failNext(errorCode: string): void;
  operations(): SimBulkOperation[];
  downloads(): SimBulkDownload[];
}

/** Bulk query operations per app and shop at once, from 2026-01. */
const MAX_RUNNING = 5;
const FIELDS = new Set(['id', 'sku', 'product', 'inventoryItem']);
const OUTPUTS_PATH = '/bulk-operation-outputs/';

interface Operation extends SimBulkOperation {
  file: string | null;
  signature: string;
  select: Selection;
}

/** The variant fields an export selects; product and inventoryItem only with their id. */
type Selection = readonly ('id' | 'sku' | 'product' | 'inventoryItem')[];

export class BulkExports implements BulkControl {
  readonly #operations = new Map<string, Operation>();
  readonly #downloads: SimBulkDownload[] = [];
  #held = false;
  #failNext: string | null = null;
  /** Where the result files are served (the Admin server's own address). */
  base = '';

  constructor(
    private readonly variants: () => Iterable<ExportableVariant>,
    private readonly nextId: () => number,
    private readonly schema: () => GraphQLSchema,
  ) {}

  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
    for (const operation of this.#operations.values()) this.#advance(operation);
  }

  failNext(errorCode: string): void {
    this.#failNext = errorCode;
  }

  operations(): SimBulkOperation[] {
    return [...this.#operations.values()].map(
      ({ id, status, query, errorCode, objectCount, createdAt, completedAt }) => ({
        id,
        status,
        query,
        errorCode,
        objectCount,
        createdAt,
        completedAt,
      }),
    );
  }

  downloads(): SimBulkDownload[] {
    return structuredClone(this.#downloads);
  }

  /** bulkOperationRunQuery: the operation, or the user errors that kept it from starting. */
  start(
    query: string,
  ): { operation: Operation } | { userErrors: { code: string; field: string[]; message: string }[] } {
    const refused = (message: string, code = 'INVALID') => ({
      userErrors: [{ code, field: ['query'], message }],
    });
    const running = [...this.#operations.values()].filter(
      (o) => o.status === 'CREATED' || o.status === 'RUNNING',
    );
    if (running.length >= MAX_RUNNING)
      return refused('Bulk operations limit reached. Please try again later.', 'LIMIT_REACHED');
    const read = readExportQuery(query, this.schema());
    if (typeof read === 'string') return refused(read);
    const operation: Operation = {
      id: gid('BulkOperation', this.nextId()),
      status: 'CREATED',
      query,
      errorCode: null,
      objectCount: 0,
      createdAt: shopTime(Date.now()),
      completedAt: null,
      file: null,
      signature: randomBytes(16).toString('hex'),
      select: read,
    };
    this.#operations.set(operation.id, operation);
    return { operation };
  }

  /** bulkOperation(id): as it stands now. Unless held, an operation completes by the time it is asked after. */
  state(id: string) {
    const operation = this.#operations.get(id);
    if (!operation) return null;
    this.#advance(operation);
    const done = operation.status === 'COMPLETED' && operation.objectCount > 0;
    return {
      id: operation.id,
      status: operation.status,
      errorCode: operation.errorCode,
      objectCount: String(operation.objectCount),
      url: done
        ? `${this.base}${OUTPUTS_PATH}${encodeURIComponent(operation.id)}.jsonl?Signature=${operation.signature}`
        : null,
    };
  }

  /** Serves a result file: only at its signed URL, whoever asks. False when the path is not a result file's. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (!url.pathname.startsWith(OUTPUTS_PATH) || req.method !== 'GET') return false;
    const id = decodeURIComponent(url.pathname.slice(OUTPUTS_PATH.length).replace(/\.jsonl$/, ''));
    const operation = this.#operations.get(id);
    const signed = operation?.file !== null && url.searchParams.get('Signature') === operation?.signature;
    const status = signed ? 200 : 403;
    this.#downloads.push({
      operationId: id,
      withAccessToken: req.headers['x-shopify-access-token'] !== undefined,
      status,
    });
    res.writeHead(status, { 'content-type': signed ? 'application/jsonl' : 'application/xml' });
    res.end(signed ? operation?.file : '<Error><Code>AccessDenied</Code></Error>');
    return true;
  }

  #advance(operation: Operation): void {
    if (operation.status !== 'CREATED' && operation.status !== 'RUNNING') return;
    if (this.#held) {
      operation.status = 'RUNNING';
      return;
    }
    operation.completedAt = shopTime(Date.now());
    if (this.#failNext !== null) {
      Object.assign(operation, { status: 'FAILED', errorCode: this.#failNext });
      this.#failNext = null;
      return;
    }
    const lines: string[] = [];
    for (const variant of this.variants()) lines.push(JSON.stringify(exported(variant, operation.select)));
    Object.assign(operation, {
      status: 'COMPLETED',
      objectCount: lines.length,
      file: lines.map((line) => `${line}\n`).join(''),
    });
  }
}

function exported(variant: ExportableVariant, select: Selection): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  for (const field of select) {
    if (field === 'id') line.id = variant.id;
    else if (field === 'sku') line.sku = variant.sku;
    else if (field === 'product') line.product = { id: variant.productId };
    else line.inventoryItem = { id: variant.inventoryItemId };
  }
  return line;
}

/**
 * The variant fields of a bulk query `{ productVariants { edges { node { … } } } }`, or why it is refused: not a
 * valid document of the schema, or a query the simulator does not run.
 */
function readExportQuery(query: string, schema: GraphQLSchema): Selection | string {
  let document;
  try {
    document = parse(query);
  } catch (error) {
    return `Invalid bulk query: ${(error as Error).message}`;
  }
  const invalid = validate(schema, document);
  if (invalid.length) return `Invalid bulk query: ${invalid.map((e) => e.message).join('; ')}`;
  const unsupported = `The Shopify simulator runs bulk queries of productVariants { edges { node { id sku product { id } inventoryItem { id } } } } only`;
  const [definition, ...others] = document.definitions;
  if (others.length || definition?.kind !== Kind.OPERATION_DEFINITION || definition.operation !== 'query')
    return unsupported;
  const root = onlyField(definition.selectionSet);
  if (root?.name.value !== 'productVariants' || root.arguments?.length) return unsupported;
  const edges = onlyField(root.selectionSet);
  const node = edges?.name.value === 'edges' ? onlyField(edges.selectionSet) : undefined;
  if (node?.name.value !== 'node' || !node.selectionSet) return unsupported;
  const fields = node.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s : undefined));
  const select: Selection[number][] = [];
  for (const field of fields) {
    const name = field?.name.value;
    if (!field || !name || !FIELDS.has(name) || field.alias) return unsupported;
    if (
      (name === 'product' || name === 'inventoryItem') &&
      onlyField(field.selectionSet)?.name.value !== 'id'
    )
      return unsupported;
    select.push(name as Selection[number]);
  }
  return select;
}

function onlyField(set: SelectionSetNode | undefined): FieldNode | undefined {
  const [only, ...rest] = set?.selections ?? [];
  return only?.kind === Kind.FIELD && rest.length === 0 ? only : undefined;
}

/** bulkOperationRunQuery and bulkOperation(id), as the Admin API answers them. */
export function bulkOperations<O>(exportsOf: (office: O) => BulkExports): Record<string, AdminOperation<O>> {
  return {
    /** bulkOperationRunQuery(query, groupObjects) { bulkOperation { id status } userErrors { code field message } } */
    WaybillVariantsExport: {
      requestedCost: () => MUTATION_COST,
      userErrorRoot: 'bulkOperationRunQuery',
      run: (office, v) => {
        if (typeof v.query !== 'string')
          throw new GraphqlError('Variable $query of type String! was provided invalid value');
        const started = exportsOf(office).start(v.query);
        const payload =
          'operation' in started
            ? {
                bulkOperation: { id: started.operation.id, status: started.operation.status },
                userErrors: [],
              }
            : { bulkOperation: null, userErrors: started.userErrors };
        return {
          data: { bulkOperationRunQuery: payload },
          actualCost: MUTATION_COST,
          userErrors: payload.userErrors.length > 0,
        };
      },
    },
    /** bulkOperation(id) { id status errorCode objectCount url }: an object, cost 1. */
    WaybillBulkOperation: {
      requestedCost: () => 1,
      run: (office, v) => {
        if (typeof v.id !== 'string')
          throw new GraphqlError('Variable $id of type ID! was provided invalid value');
        return { data: { bulkOperation: exportsOf(office).state(v.id) }, actualCost: 1, userErrors: false };
      },
    },
  };
}
