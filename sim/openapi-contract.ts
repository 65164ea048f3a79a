import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

// ajv-formats is CommonJS with its plugin on `default`.
const addFormats = (formatsModule as unknown as { default: FormatsPlugin }).default;

// What a REST simulator checks of each request Waybill sends, and of each answer it gives, against the platform's
// own published contract (Swagger 2.0 or OpenAPI 3.0/3.1), so the client and the simulator cannot share a mistake:
// the operation by method and path template, its path, query and header parameters, and the JSON body against the
// operation's schema. The contract's schemas become JSON Schema 2020-12 once per document (Swagger's and 3.0's
// dialects differ: boolean exclusiveMaximum, `nullable`, `type: file`), with every $ref kept as a reference into one
// bundle per direction, so each named schema compiles once however many operations use it. Nothing stricter than the
// document is added: additionalProperties is as written, an unknown `format` or a pattern JavaScript cannot compile
// is left unchecked. Specifications: https://swagger.io/specification/v2/, https://spec.openapis.org/oas/v3.0.3,
// https://spec.openapis.org/oas/v3.1.0.

/**
 * A request as the simulator received it. `path` may carry the query string, read when `query` is not given (given,
 * `query` is the whole query); header names in any case.
 */
export interface ContractRequest {
  method: string;
  path: string;
  query?: URLSearchParams | Record<string, string | string[]>;
  headers?: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; undefined when the request had none. */
  body?: unknown;
}

/** One breach of the contract: `where` is 'path', 'method', 'query.MarketplaceIds', 'body.items[0].sku', … */
export interface ContractViolation {
  where: string;
  message: string;
}

/** The operation the request was matched to (null when none) and what it broke. */
export interface ContractCheck {
  operationId: string | null;
  violations: ContractViolation[];
}

/**
 * A loaded contract. Example:
 * ```ts
 * const contract = loadContract(readContractFile('sim/contracts/amazon/ordersV0.json'));
 * const { operationId, violations } = contract.checkRequest({ method: 'GET', path: '/orders/v0/orders', query });
 * if (violations.length) return reply.code(400).send({ errors: violations });
 * contract.checkResponse(operationId!, 200, answer); // [] when the answer keeps the contract too
 * ```
 */
export interface OpenApiContract {
  checkRequest(request: ContractRequest): ContractCheck;
  /** The body against the operation's response for `status` (else its range `2XX`, else `default`). */
  checkResponse(operationId: string, status: number, body: unknown): ContractViolation[];
  /** Every operation's id; one without an operationId is named `METHOD /path/template`. */
  readonly operationIds: readonly string[];
}

/** Reads a vendored document: .json or .json.gz (.yaml and .yml too, as some platforms publish). */
export function readContractFile(path: string): object {
  const bytes = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const parsed: unknown = /\.ya?ml(\.gz)?$/.test(path)
    ? parseYaml(text, { maxAliasCount: -1 })
    : JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path} is not an OpenAPI document`);
  return parsed;
}

type Schema = { [keyword: string]: unknown };
type Dialect = 'swagger2' | 'oas30' | 'oas31';
type Direction = 'request' | 'response';
type Location = 'path' | 'query' | 'header' | 'formData';
/** How a parameter's values are written: a separator, one value per repetition, or an object's keys. */
type Serialization = ',' | ' ' | '\t' | '|' | 'multi' | 'deepObject' | 'formObject';

interface Parameter {
  name: string;
  in: Location;
  required: boolean;
  serialization: Serialization;
  /** The document's schema, for reading a string as the type it declares. */
  source: Schema;
  /** The 2020-12 schema checked against the value read, as its reference into the bundle. */
  schema: string;
}

interface Operation {
  id: string;
  method: string;
  template: string;
  parameters: Parameter[];
  /** The header parameters' names, lower case: the only headers of a request read. */
  headerNames: ReadonlySet<string>;
  /** The body's schema; null when its media types are not JSON (a form, a file). */
  body: { required: boolean; schema: string | null } | null;
  /** Response schemas by status ('200', '2XX', 'default'); null when the response declares no JSON body. */
  responses: Map<string, string | null>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const READ_ONLY = 'x-contract-read-only';
const WRITE_ONLY = 'x-contract-write-only';
let contractsLoaded = 0;

/** Loads a Swagger 2.0 or OpenAPI 3.x document; `basePath` replaces the document's servers/basePath. */
export function loadContract(document: object, options: { basePath?: string } = {}): OpenApiContract {
  const doc = document as Schema;
  const dialect = dialectOf(doc);
  const bundleId = `https://contract.invalid/${++contractsLoaded}`;
  const schemas = new SchemaTranslator(doc, dialect, bundleId);
  const operations = readOperations(doc, dialect, schemas);
  const ajv = newAjv(schemas);
  const router = new Router(operations, options.basePath, doc, dialect);
  const byId = new Map(operations.map((operation) => [operation.id, operation]));

  // Each schema compiled on first use and kept; the named schemas it refers to are compiled once for all of them.
  const validators = new Map<string, ValidateFunction>();
  const check: Check = (schema, value, where) => {
    let validate = validators.get(schema);
    if (!validate) {
      try {
        validate = ajv.getSchema(schema)!;
      } catch (error) {
        throw new Error(`contract: ${schema} does not compile: ${String(error)}`, { cause: error });
      }
      validators.set(schema, validate);
    }
    return validate(value) ? [] : violationsOf(validate.errors ?? [], where);
  };

  return {
    operationIds: operations.map((operation) => operation.id),
    checkRequest(request) {
      const [rawPath = '', rawQuery] = request.path.split('?', 2);
      const matched = router.match(request.method, rawPath);
      if ('violation' in matched) return { operationId: null, violations: [matched.violation] };
      const { operation, pathValues } = matched;
      const query = queryValues(request.query, rawQuery);
      const violations = [
        ...checkParameters(operation, 'path', pathValues, check),
        ...checkParameters(operation, 'query', query, check),
        ...checkParameters(operation, 'header', headerValues(request.headers, operation.headerNames), check),
        ...checkBody(operation, request.body, check),
      ];
      return { operationId: operation.id, violations };
    },
    checkResponse(operationId, status, body) {
      const operation = byId.get(operationId);
      if (!operation)
        return [{ where: 'operationId', message: `the contract has no operation ${operationId}` }];
      const key = [String(status), `${String(status).charAt(0)}XX`, 'default'].find((k) =>
        operation.responses.has(k),
      );
      if (key === undefined)
        return [{ where: 'status', message: `${status} is not a status ${operationId} documents` }];
      const schema = operation.responses.get(key);
      if (schema === null || schema === undefined) return [];
      return check(schema, body, 'body');
    },
  };
}

function dialectOf(doc: Schema): Dialect {
  if (String(doc.swagger) === '2.0') return 'swagger2';
  if (typeof doc.openapi === 'string' && doc.openapi.startsWith('3.0')) return 'oas30';
  if (typeof doc.openapi === 'string' && doc.openapi.startsWith('3.1')) return 'oas31';
  throw new Error(
    `contract: neither Swagger 2.0 nor OpenAPI 3.0/3.1 (swagger: ${String(doc.swagger)}, openapi: ${String(doc.openapi)})`,
  );
}

function newAjv(schemas: SchemaTranslator): Ajv2020 {
  // allErrors: a client's mistakes are reported together; verbose: the offending value goes into the message.
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    verbose: true,
    inlineRefs: false,
    unicodeRegExp: false,
  });
  addFormats(ajv);
  // Vendors name formats of their own (Amazon's, say): known to the document only, so left unchecked.
  for (const format of schemas.formats) if (!ajv.formats[format]) ajv.addFormat(format, true);
  ajv.addKeyword({ keyword: READ_ONLY, schemaType: 'boolean', validate: () => false, errors: false });
  ajv.addKeyword({ keyword: WRITE_ONLY, schemaType: 'boolean', validate: () => false, errors: false });
  for (const direction of ['request', 'response'] as const) ajv.addSchema(schemas.bundle(direction));
  return ajv;
}

/** A JSON pointer's target in the document ('#/definitions/Order' → the Order schema); throws when it is missing. */
function resolvePointer(doc: Schema, ref: string): unknown {
  if (!ref.startsWith('#'))
    throw new Error(`contract: $ref ${ref} points outside the document; vendor it bundled`);
  let node: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = typeof node === 'object' && node !== null ? (node as Schema)[key] : undefined;
    if (node === undefined) throw new Error(`contract: $ref ${ref} names nothing in the document`);
  }
  return node;
}

/** A parameter, request body or response with its $ref (to #/parameters, #/components/responses, …) followed. */
function followed(doc: Schema, node: unknown): Schema {
  let current = node as Schema;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`contract: $ref ${current.$ref} loops`);
    current = resolvePointer(doc, current.$ref) as Schema;
  }
  return current;
}

// The keywords carried over as they are, those holding one schema, a list of schemas, or a map of them; any other
// (description, example, xml, x-…) says nothing about validity and is left out.
const COPIED = words(`const multipleOf minimum maximum minLength maxLength minItems maxItems uniqueItems
  minProperties maxProperties exclusiveMinimum exclusiveMaximum minContains maxContains`);
const SUBSCHEMA = words(`additionalProperties not contains propertyNames if then else unevaluatedProperties
  unevaluatedItems`);
const SUBSCHEMA_LISTS = words('allOf anyOf oneOf prefixItems');
const SUBSCHEMA_MAPS = words('properties patternProperties dependentSchemas');

function words(text: string): string[] {
  return text.trim().split(/\s+/);
}

/**
 * The document's schemas as JSON Schema 2020-12, one bundle per direction: a named schema ($ref target) becomes
 * `$defs[key]` of the bundle, translated once; properties marked readOnly may not be sent in a request (and are not
 * required there), writeOnly ones may not come back in a response.
 */
class SchemaTranslator {
  readonly formats = new Set<string>();
  private readonly defs: Record<Direction, Schema> = { request: {}, response: {} };
  private readonly keys = new Map<string, string>();
  private defined = 0;

  constructor(
    private readonly doc: Schema,
    private readonly dialect: Dialect,
    private readonly bundleId: string,
  ) {}

  bundle(direction: Direction): Schema {
    return { $id: `${this.bundleId}/${direction}`, $defs: this.defs[direction] };
  }

  /** Translates an operation's schema into the bundle; its reference there, for Ajv to compile with the rest. */
  define(schema: unknown, direction: Direction): string {
    const key = `operation-${++this.defined}`;
    this.defs[direction][key] = this.translate(schema, direction);
    return `${this.bundleId}/${direction}#/$defs/${key}`;
  }

  /** `inherited`: the properties an allOf's other members declare, for a `required` that names one of them. */
  translate(
    schema: unknown,
    direction: Direction,
    nullable = false,
    inherited: Schema = {},
  ): Schema | boolean {
    if (typeof schema === 'boolean') return schema;
    if (typeof schema !== 'object' || schema === null) return true;
    const source = schema as Schema;
    if (typeof source.$ref === 'string') {
      // `nullable` beside a $ref is common in 3.0 documents though the spec ignores siblings: taken as meant.
      const wantsNull = nullable || this.isNullable(source);
      const target: Schema = { $ref: this.reference(source.$ref, direction, wantsNull) };
      // 2020-12 (OpenAPI 3.1) applies a $ref's siblings; Swagger 2.0 and 3.0 ignore them.
      if (this.dialect !== 'oas31') return target;
      const { $ref: _, ...siblings } = source;
      const rest = this.translate(siblings, direction);
      return typeof rest === 'object' && Object.keys(rest).length > 0 ? { ...rest, ...target } : target;
    }
    return this.translateObject(source, direction, nullable || this.isNullable(source), inherited);
  }

  private isNullable(source: Schema): boolean {
    return (this.dialect === 'oas30' && source.nullable === true) || source['x-nullable'] === true;
  }

  /** The bundle's reference for a $ref, translating its target the first time it is met (cycles end here). */
  private reference(ref: string, direction: Direction, nullable: boolean): string {
    const cacheKey = `${direction} ${nullable} ${ref}`;
    let key = this.keys.get(cacheKey);
    if (key === undefined) {
      key = `${this.keys.size}${nullable ? '-nullable' : ''}`;
      this.keys.set(cacheKey, key);
      this.defs[direction][key] = this.translate(resolvePointer(this.doc, ref), direction, nullable);
    }
    return `${this.bundleId}/${direction}#/$defs/${key}`;
  }

  private translateObject(
    source: Schema,
    direction: Direction,
    nullable: boolean,
    inherited: Schema,
  ): Schema {
    const out: Schema = {};
    for (const keyword of COPIED) if (source[keyword] !== undefined) out[keyword] = source[keyword];
    this.translateType(source, out, nullable);
    if (Array.isArray(source.required)) out.required = source.required;
    if (Array.isArray(source.enum))
      out.enum = nullable && !source.enum.includes(null) ? [...source.enum, null] : source.enum;
    if (typeof source.format === 'string') {
      out.format = source.format;
      this.formats.add(source.format);
    }
    if (typeof source.pattern === 'string' && compiles(source.pattern)) out.pattern = source.pattern;
    if (this.dialect !== 'oas31') boundsOf(source, out);
    for (const keyword of SUBSCHEMA)
      if (source[keyword] !== undefined) out[keyword] = this.translate(source[keyword], direction);
    const known = { ...inherited, ...this.propertiesOf(source) };
    for (const keyword of SUBSCHEMA_LISTS)
      if (Array.isArray(source[keyword]))
        out[keyword] = source[keyword].map((s) =>
          this.translate(s, direction, false, keyword === 'allOf' ? known : {}),
        );
    for (const keyword of SUBSCHEMA_MAPS) {
      const map = source[keyword];
      if (typeof map !== 'object' || map === null) continue;
      out[keyword] = Object.fromEntries(
        Object.entries(map).map(([k, s]) => [k, this.translate(s, direction)]),
      );
    }
    // Draft 4's tuple form: a list of item schemas.
    if (Array.isArray(source.items)) out.prefixItems = source.items.map((s) => this.translate(s, direction));
    else if (source.items !== undefined) out.items = this.translate(source.items, direction);
    this.oneWay(out, direction, known);
    this.discriminate(source, out, direction);
    if (nullable && out.type === undefined && out.enum === undefined)
      return { anyOf: [out, { type: 'null' }] };
    return out;
  }

  /** The properties a schema declares, its allOf members' included ($refs followed). */
  private propertiesOf(source: Schema, depth = 0): Schema {
    if (depth > 16) return {};
    const own = typeof source.properties === 'object' && source.properties !== null ? source.properties : {};
    const members = Array.isArray(source.allOf) ? (source.allOf as unknown[]) : [];
    const fromMembers = members.map((member) => {
      if (typeof member !== 'object' || member === null) return {};
      const resolved = followed(this.doc, member);
      return this.propertiesOf(resolved, depth + 1);
    });
    return Object.assign({}, ...fromMembers, own) as Schema;
  }

  /**
   * OpenAPI 3's discriminator over a oneOf/anyOf of $refs: the named property's value picks the one schema the
   * value must match (by `mapping`, else by the schema's name), so a mismatch is reported in that schema's terms.
   */
  private discriminate(source: Schema, out: Schema, direction: Direction): void {
    const discriminator = source.discriminator as {
      propertyName?: unknown;
      mapping?: Record<string, string>;
    };
    const keyword = Array.isArray(source.oneOf) ? 'oneOf' : Array.isArray(source.anyOf) ? 'anyOf' : null;
    if (this.dialect === 'swagger2' || !keyword || typeof discriminator?.propertyName !== 'string') return;
    const branches = source[keyword] as Schema[];
    if (!branches.every((b) => typeof b?.$ref === 'string')) return;
    const schemaRef = (name: string) => (name.startsWith('#') ? name : `#/components/schemas/${name}`);
    const values = new Map<string, string>();
    for (const [value, target] of Object.entries(discriminator.mapping ?? {}))
      values.set(value, schemaRef(target));
    for (const branch of branches) {
      const ref = branch.$ref as string;
      if (![...values.values()].includes(ref)) values.set(ref.split('/').pop()!, ref);
    }
    const tag = discriminator.propertyName;
    delete out[keyword];
    out.required = [...new Set([...((out.required as string[]) ?? []), tag])];
    out.allOf = [
      ...((out.allOf as unknown[]) ?? []),
      { properties: { [tag]: { enum: [...values.keys()] } } },
      ...[...values].map(([value, ref]) => ({
        if: { properties: { [tag]: { const: value } }, required: [tag] },
        then: { $ref: this.reference(ref, direction, false) },
      })),
    ];
  }

  private translateType(source: Schema, out: Schema, nullable: boolean): void {
    const declared = Array.isArray(source.type)
      ? (source.type as string[])
      : typeof source.type === 'string'
        ? [source.type]
        : [];
    // Swagger's `file` is a form upload, not JSON: left unchecked.
    const types = declared.filter((t) => t !== 'file');
    if (types.length === 0) return;
    if (nullable && !types.includes('null')) types.push('null');
    out.type = types.length === 1 ? types[0] : types;
  }

  /** readOnly properties: forbidden in requests and required in responses only; writeOnly the other way round. */
  private oneWay(out: Schema, direction: Direction, known: Schema): void {
    const flag = direction === 'request' ? 'readOnly' : 'writeOnly';
    const oneWay = new Set(Object.keys(known).filter((name) => this.flagged(known[name], flag)));
    if (oneWay.size === 0) return;
    const keyword = direction === 'request' ? READ_ONLY : WRITE_ONLY;
    if (typeof out.properties === 'object' && out.properties !== null)
      out.properties = Object.fromEntries(
        Object.entries(out.properties).map(([name, s]) => [name, oneWay.has(name) ? { [keyword]: true } : s]),
      );
    if (Array.isArray(out.required))
      out.required = out.required.filter((name) => !oneWay.has(name as string));
  }

  private flagged(schema: unknown, flag: 'readOnly' | 'writeOnly', depth = 0): boolean {
    if (typeof schema !== 'object' || schema === null || depth > 16) return false;
    const source = schema as Schema;
    if (source[flag] === true) return true;
    if (typeof source.$ref === 'string')
      return this.flagged(resolvePointer(this.doc, source.$ref), flag, depth + 1);
    return Array.isArray(source.allOf) && source.allOf.some((s) => this.flagged(s, flag, depth + 1));
  }
}

/** Draft 4's boolean exclusiveMinimum/exclusiveMaximum (Swagger 2.0, OpenAPI 3.0) as 2020-12's numbers. */
function boundsOf(source: Schema, out: Schema): void {
  for (const [bound, exclusive] of [
    ['minimum', 'exclusiveMinimum'],
    ['maximum', 'exclusiveMaximum'],
  ] as const) {
    delete out[exclusive];
    if (source[exclusive] === true && typeof source[bound] === 'number') {
      out[exclusive] = source[bound];
      delete out[bound];
    }
  }
}

/** Whether JavaScript can compile a pattern the document gives (some are written for other regex engines). */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Every operation of the document, its parameters, body and responses read, $refs followed. */
function readOperations(doc: Schema, dialect: Dialect, schemas: SchemaTranslator): Operation[] {
  const operations: Operation[] = [];
  const ids = new Set<string>();
  for (const [template, pathItemRef] of Object.entries((doc.paths ?? {}) as Schema)) {
    // Extensions (`x-…`) sit beside the paths.
    if (!template.startsWith('/') || typeof pathItemRef !== 'object' || pathItemRef === null) continue;
    const pathItem = followed(doc, pathItemRef);
    const shared = Array.isArray(pathItem.parameters) ? pathItem.parameters : [];
    for (const method of METHODS) {
      const raw = pathItem[method] as Schema | undefined;
      if (!raw) continue;
      // An operation without an id (or with one already taken) is named by its method and path.
      const named = typeof raw.operationId === 'string' ? raw.operationId : '';
      const id = named && !ids.has(named) ? named : `${method.toUpperCase()} ${template}`;
      ids.add(id);
      const declared = mergeParameters(doc, shared, Array.isArray(raw.parameters) ? raw.parameters : []);
      const parameters = declared
        .filter((p) => checkable(p, dialect))
        .map((p) => readParameter(doc, p, dialect, schemas));
      operations.push({
        id,
        method: method.toUpperCase(),
        template,
        parameters,
        headerNames: new Set(parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase())),
        body: readBody(doc, dialect, raw, declared, schemas),
        responses: readResponses(doc, dialect, raw, schemas),
      });
    }
  }
  return operations;
}

/** Path, query, header and form parameters; not cookies, and not the headers OpenAPI 3 says to ignore. */
function checkable(parameter: Schema, dialect: Dialect): boolean {
  if (!['path', 'query', 'header', 'formData'].includes(parameter.in as string)) return false;
  const reserved = parameter.in === 'header' && RESERVED_HEADERS.has(String(parameter.name).toLowerCase());
  return dialect === 'swagger2' || !reserved;
}

/** The path item's parameters overridden by the operation's own (same name and location). */
function mergeParameters(doc: Schema, shared: unknown[], own: unknown[]): Schema[] {
  const merged = new Map<string, Schema>();
  for (const node of [...shared, ...own]) {
    const parameter = followed(doc, node);
    merged.set(`${String(parameter.in)} ${String(parameter.name)}`, parameter);
  }
  return [...merged.values()];
}

function readParameter(
  doc: Schema,
  parameter: Schema,
  dialect: Dialect,
  schemas: SchemaTranslator,
): Parameter {
  const location = parameter.in as Location;
  // Swagger 2.0 writes a non-body parameter's schema on the parameter itself; OpenAPI 3 under `schema`.
  const source =
    dialect === 'swagger2'
      ? (Object.fromEntries(
          Object.entries(parameter).filter(([k]) => !['name', 'in', 'required', 'description'].includes(k)),
        ) as Schema)
      : (firstMediaSchema(parameter) as Schema);
  const readable = readableSchema(doc, source);
  const serialization = serializationOf(parameter, dialect, location);
  return {
    name: String(parameter.name),
    in: location,
    required: location === 'path' || parameter.required === true,
    serialization:
      serialization === 'multi' && declaresType(readable, 'object') ? 'formObject' : serialization,
    source: readable,
    schema: schemas.define(source, 'request'),
  };
}

/** A parameter's schema with the $refs that say how to read its text followed: its own, its items', its properties'. */
function readableSchema(doc: Schema, source: Schema): Schema {
  const top = followed(doc, source);
  const readable: Schema = { ...top };
  if (typeof top.items === 'object' && top.items !== null) readable.items = followed(doc, top.items);
  if (typeof top.properties === 'object' && top.properties !== null)
    readable.properties = Object.fromEntries(
      Object.entries(top.properties).map(([name, property]) => [name, followed(doc, property)]),
    );
  return readable;
}

function firstMediaSchema(parameter: Schema): unknown {
  if (parameter.schema !== undefined) return parameter.schema;
  if (typeof parameter.content !== 'object' || parameter.content === null) return {};
  const content = Object.values(parameter.content as Schema)[0] as Schema | undefined;
  return content?.schema ?? {};
}

function serializationOf(parameter: Schema, dialect: Dialect, location: Location): Serialization {
  if (dialect === 'swagger2') {
    const format = parameter.collectionFormat ?? 'csv';
    const separators: Record<string, Serialization> = {
      csv: ',',
      ssv: ' ',
      tsv: '\t',
      pipes: '|',
      multi: 'multi',
    };
    return separators[String(format)] ?? ',';
  }
  const style = parameter.style ?? (location === 'query' ? 'form' : 'simple');
  const explode = parameter.explode ?? style === 'form';
  if (style === 'deepObject') return 'deepObject';
  if (style === 'spaceDelimited') return ' ';
  if (style === 'pipeDelimited') return '|';
  if (style === 'form' && explode) return location === 'query' ? 'multi' : ',';
  return ',';
}

/** JSON media types: application/json, application/problem+json, …; `*\/*` takes JSON too. */
function jsonMediaSchema(content: unknown): { found: boolean; schema: unknown } {
  if (typeof content !== 'object' || content === null) return { found: false, schema: undefined };
  for (const [type, media] of Object.entries(content as Schema)) {
    const bare = type.split(';')[0]!.trim().toLowerCase();
    if (/^application\/([\w.-]+\+)?json$/.test(bare) || bare === '*/*' || bare === 'application/*')
      return { found: true, schema: (media as Schema | undefined)?.schema };
  }
  return { found: false, schema: undefined };
}

function readBody(
  doc: Schema,
  dialect: Dialect,
  raw: Schema,
  declared: Schema[],
  schemas: SchemaTranslator,
): Operation['body'] {
  if (dialect === 'swagger2') {
    const body = declared.find((p) => p.in === 'body');
    if (!body) return null;
    return { required: body.required === true, schema: schemas.define(body.schema ?? {}, 'request') };
  }
  if (raw.requestBody === undefined) return null;
  const requestBody = followed(doc, raw.requestBody);
  const json = jsonMediaSchema(requestBody.content);
  // A body of another media type only (a form, a file) is not checked, only required or not.
  const schema = json.found ? schemas.define(json.schema ?? {}, 'request') : null;
  return { required: requestBody.required === true, schema };
}

function readResponses(
  doc: Schema,
  dialect: Dialect,
  raw: Schema,
  schemas: SchemaTranslator,
): Operation['responses'] {
  const responses = new Map<string, string | null>();
  for (const [status, node] of Object.entries((raw.responses ?? {}) as Schema)) {
    const response = followed(doc, node);
    const source = dialect === 'swagger2' ? response.schema : jsonMediaSchema(response.content).schema;
    responses.set(
      status.toUpperCase() === 'DEFAULT' ? 'default' : status.toUpperCase(),
      source === undefined ? null : schemas.define(source, 'response'),
    );
  }
  return responses;
}

interface RouteNode {
  literals: Map<string, RouteNode>;
  /** Segments with a parameter in them (`{id}`, `{sku}.json`), by shape, tried after the literal ones. */
  templated: { pattern: RegExp; node: RouteNode }[];
  operations: Map<string, Operation>;
}

type Matched = { operation: Operation; pathValues: Map<string, string[]> } | { violation: ContractViolation };

/**
 * Finds a request's operation: the server's base path, then the path template segment by segment, literals first.
 * Templates of one shape share a branch (`/order/{orderId}/…` and `/order/{order_id}/…`, as eBay writes them):
 * the values are captured in order and named by the operation found.
 */
class Router {
  private readonly root: RouteNode = newNode();
  private readonly bases: RegExp[];
  private readonly names = new Map<Operation, string[]>();

  constructor(operations: Operation[], basePath: string | undefined, doc: Schema, dialect: Dialect) {
    this.bases = basePaths(basePath, doc, dialect).map((base) =>
      templatePattern(base.replace(/\/+$/, ''), []),
    );
    for (const operation of operations) {
      let node = this.root;
      const names: string[] = [];
      // A few documents write a query into a path template (`/export?filename={filename}`): the path is what routes.
      for (const segment of segmentsOf(operation.template.split('?')[0]!)) {
        if (!segment.includes('{')) {
          node = getOrAdd(node.literals, segment, newNode);
          continue;
        }
        const source = `${templatePattern(segment, names).source}$`;
        let next = node.templated.find((t) => t.pattern.source === source);
        if (!next) node.templated.push((next = { pattern: new RegExp(source), node: newNode() }));
        node = next.node;
      }
      node.operations.set(operation.method, operation);
      this.names.set(operation, names);
    }
  }

  match(method: string, path: string): Matched {
    let pathFound = false;
    for (const base of this.bases) {
      const prefix = base.exec(path);
      if (!prefix) continue;
      const rest = path.slice(prefix[0].length);
      if (rest !== '' && !rest.startsWith('/')) continue;
      const found = this.walk(this.root, segmentsOf(rest), 0, [], method.toUpperCase());
      if (typeof found === 'object') return found;
      pathFound ||= found === 'other method';
    }
    if (pathFound)
      return {
        violation: { where: 'method', message: `${method.toUpperCase()} is not an operation of ${path}` },
      };
    return { violation: { where: 'path', message: `${path} matches no path of the contract` } };
  }

  /** Depth-first, literal segments before templated ones: the operation, or whether the path exists at all. */
  private walk(
    node: RouteNode,
    segments: string[],
    at: number,
    captured: string[],
    method: string,
  ): Matched | 'other method' | 'no path' {
    if (at === segments.length) {
      if (node.operations.size === 0) return 'no path';
      const operation = node.operations.get(method);
      if (!operation) return 'other method';
      const names = this.names.get(operation)!;
      return { operation, pathValues: new Map(names.map((name, i) => [name, [captured[i]!]])) };
    }
    const segment = segments[at]!;
    let missed: 'other method' | 'no path' = 'no path';
    const literal = node.literals.get(segment);
    if (literal) {
      const found = this.walk(literal, segments, at + 1, captured, method);
      if (typeof found === 'object') return found;
      if (found === 'other method') missed = found;
    }
    for (const templated of node.templated) {
      const values = templated.pattern.exec(segment);
      if (!values) continue;
      const found = this.walk(templated.node, segments, at + 1, [...captured, ...values.slice(1)], method);
      if (typeof found === 'object') return found;
      if (found === 'other method') missed = found;
    }
    return missed;
  }
}

function newNode(): RouteNode {
  return { literals: new Map(), templated: [], operations: new Map() };
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

function segmentsOf(path: string): string[] {
  return path === '' || path === '/' ? [] : path.replace(/^\//, '').split('/');
}

/** `{sku}.json` → /^([^/]+?)\.json/ with its names; the caller anchors the end. */
function templatePattern(template: string, names: string[]): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+?)';
    })
    .join('');
  return new RegExp(`^${source}`);
}

/**
 * The path prefixes requests carry: the option, else Swagger's basePath, else each server URL's path. A server
 * variable whose default holds a slash is a piece of path (eBay's `https://api.ebay.com{basePath}`) and is expanded;
 * any other variable left in the path (BigCommerce's `{store_hash}`) matches any one segment.
 */
function basePaths(option: string | undefined, doc: Schema, dialect: Dialect): string[] {
  if (option !== undefined) return [option];
  if (dialect === 'swagger2') return [typeof doc.basePath === 'string' ? doc.basePath : ''];
  const servers = Array.isArray(doc.servers) ? (doc.servers as Schema[]) : [];
  const paths = servers.map((server) => {
    const variables = (server.variables ?? {}) as Record<string, { default?: unknown }>;
    const url = String(server.url ?? '').replace(/\{([^}]+)\}/g, (whole, name: string) => {
      const value = variables[name]?.default;
      return typeof value === 'string' && value.includes('/') ? value : whole;
    });
    return url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  });
  return paths.length > 0 ? [...new Set(paths)] : [''];
}

type Values = Map<string, string[]>;
type Check = (schema: string, value: unknown, where: string) => ContractViolation[];

function queryValues(query: ContractRequest['query'], rawQuery: string | undefined): Values {
  const values: Values = new Map();
  if (rawQuery && query === undefined)
    for (const [name, value] of new URLSearchParams(rawQuery)) addValue(values, name, value);
  if (query instanceof URLSearchParams) for (const [name, value] of query) addValue(values, name, value);
  else if (query)
    for (const [name, value] of Object.entries(query))
      for (const one of Array.isArray(value) ? value : [value]) addValue(values, name, one);
  return values;
}

// Helpers at the top level rather than closures in the checks: under tsx every closure made costs a defineProperty
// of its name, and these run at every request.
function addValue(values: Values, name: string, value: string): void {
  const held = values.get(name);
  if (held) held.push(value);
  else values.set(name, [value]);
}

function parameterKey(location: Location, name: string): string {
  return location === 'header' ? name.toLowerCase() : name;
}

/**
 * The headers named (lower case), their names folded to lower case (HTTP's are case-insensitive); a repeated header
 * is one list (RFC 9110 5.3). The others are not read: no check looks at them.
 */
function headerValues(headers: ContractRequest['headers'], named: ReadonlySet<string>): Values {
  const values: Values = new Map();
  if (named.size === 0 || !headers) return values;
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (value === undefined || !named.has(key)) continue;
    const joined = [...(values.get(key) ?? []), ...(Array.isArray(value) ? value : [value])].join(',');
    values.set(key, [joined]);
  }
  return values;
}

/** An array index in a parameter's name (Magento's `searchCriteria[filter_groups][0]…`) stands for any index. */
function anyIndex(name: string): string {
  return name.replace(/\[\d+\]/g, '[]');
}

function checkParameters(
  operation: Operation,
  location: Location,
  values: Values,
  check: Check,
): ContractViolation[] {
  const declared = operation.parameters.filter((p) => p.in === location);
  // Nothing declared here and nothing sent that would need to be: nothing to check (most requests, most places).
  if (declared.length === 0 && (values.size === 0 || (location !== 'query' && location !== 'formData')))
    return [];
  const violations: ContractViolation[] = [];
  const claimed = new Set<string>();
  const byName = new Map(declared.map((p) => [parameterKey(location, p.name), p]));
  const byAnyIndex = new Map(declared.map((p) => [anyIndex(p.name), p]));
  // Names that reach a parameter only through another index of a documented one (filter_groups[1] for [0]).
  const indexed = new Map<Parameter, string[]>();
  if (location === 'query')
    for (const name of values.keys()) {
      const parameter = byName.has(name) ? undefined : byAnyIndex.get(anyIndex(name));
      if (parameter && parameter.serialization !== 'deepObject')
        getOrAdd(indexed, parameter, () => []).push(name);
    }

  for (const parameter of declared) {
    const where = `${location}.${parameter.name}`;
    const key = parameterKey(location, parameter.name);
    const names = values.has(key) ? [key] : [];
    names.push(...(indexed.get(parameter) ?? []));
    const isObject = parameter.serialization === 'deepObject' || parameter.serialization === 'formObject';
    if (isObject) names.push(...objectKeys(parameter, values));
    names.forEach((name) => claimed.add(name));
    if (names.length === 0) {
      if (parameter.required)
        violations.push({ where, message: `is required by ${operation.id} but missing` });
      continue;
    }
    if (isObject) {
      violations.push(...check(parameter.schema, objectValue(parameter, values, names), where));
      continue;
    }
    for (const name of names) {
      const read = readValue(parameter, values.get(name)!, location);
      const at = `${location}.${location === 'header' ? parameter.name : name}`;
      if ('violation' in read) violations.push({ where: at, message: read.violation });
      else violations.push(...check(parameter.schema, read.value, at));
    }
  }
  if (location === 'query' || location === 'formData')
    for (const name of values.keys())
      if (!claimed.has(name))
        violations.push({
          where: `${location}.${name}`,
          message: `is not a ${location === 'query' ? 'query parameter' : 'form field'} of ${operation.id}`,
        });
  return violations;
}

/** The query keys an object parameter takes: `filter[status]` for deepObject `filter`, its property names exploded. */
function objectKeys(parameter: Parameter, values: Values): string[] {
  if (parameter.serialization === 'formObject') {
    const properties = (parameter.source.properties ?? {}) as Schema;
    return [...values.keys()].filter((name) => Object.hasOwn(properties, name));
  }
  const prefix = `${parameter.name}[`;
  return [...values.keys()].filter((name) => name.startsWith(prefix) && name.endsWith(']'));
}

function objectValue(parameter: Parameter, values: Values, names: string[]): Schema {
  const object: Schema = {};
  const properties = (parameter.source.properties ?? {}) as Schema;
  for (const name of names) {
    const key = parameter.serialization === 'deepObject' ? name.slice(parameter.name.length + 1, -1) : name;
    const raw = values.get(name)!;
    object[key] = typed(raw[raw.length - 1]!, properties[key]);
  }
  return object;
}

/** A parameter's text read as the type its schema declares: split into an array, numbers and booleans parsed. */
function readValue(
  parameter: Parameter,
  raw: string[],
  location: Location,
): { value: unknown } | { violation: string } {
  const texts = location === 'path' ? raw.map(safeDecode) : raw;
  const source = parameter.source;
  if (!declaresType(source, 'array')) {
    if (texts.length > 1)
      return { violation: `is given ${texts.length} times; the contract takes one value` };
    return { value: typed(texts[0]!, source) };
  }
  const separator = parameter.serialization;
  if (separator === 'multi') return { value: texts.map((text) => typed(text, source.items)) };
  if (texts.length > 1)
    return {
      violation: `is given ${texts.length} times; the contract takes one list separated by ${JSON.stringify(separator)}`,
    };
  return { value: texts[0]!.split(separator).map((part) => typed(part, source.items)) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function declaresType(schema: unknown, type: string): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const declared = (schema as Schema).type;
  return declared === type || (Array.isArray(declared) && declared.includes(type));
}

/** A text as the scalar its schema declares; left a string when it is not one (the schema check then says so). */
function typed(text: string, schema: unknown): unknown {
  const numeric = declaresType(schema, 'integer') || declaresType(schema, 'number');
  if (numeric && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (declaresType(schema, 'boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function checkBody(operation: Operation, body: unknown, check: Check): ContractViolation[] {
  if (operation.parameters.some((p) => p.in === 'formData'))
    return checkParameters(operation, 'formData', formValues(body), check);
  if (!operation.body)
    return body === undefined ? [] : [{ where: 'body', message: `${operation.id} takes no request body` }];
  if (body === undefined)
    return operation.body.required
      ? [{ where: 'body', message: `is required by ${operation.id} but missing` }]
      : [];
  if (operation.body.schema === null) return [];
  return check(operation.body.schema, body, 'body');
}

/** A form body's fields as texts, whatever the simulator parsed them into. */
function formValues(body: unknown): Values {
  const values: Values = new Map();
  if (typeof body !== 'object' || body === null) return values;
  for (const [name, value] of Object.entries(body))
    values.set(
      name,
      (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
    );
  return values;
}

/** Ajv's errors as sentences naming the field; the errors of a oneOf/anyOf's branches folded into the one. */
function violationsOf(errors: ErrorObject[], root: string): ContractViolation[] {
  const kept: ErrorObject[] = [];
  const branchErrors = new Map<ErrorObject, ErrorObject[]>();
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      // Ajv reports a branch's errors just before the alternative's own, at or below its place in the value.
      const branches: ErrorObject[] = [];
      while (kept.length > 0 && within(kept[kept.length - 1]!.instancePath, error.instancePath))
        branches.unshift(kept.pop()!);
      const rest = branches.filter((b) => !isNullBranch(b, error));
      // A nullable schema's alternative of null (see translateObject): the value broke the other one.
      if (error.keyword === 'anyOf' && rest.length < branches.length && rest.length > 0) {
        kept.push(...rest);
        continue;
      }
      branchErrors.set(error, rest);
    }
    kept.push(error);
  }
  const violations = new Map<string, ContractViolation>();
  for (const error of kept) {
    // An if/then's own error follows the errors of its `then`, which say more.
    if (error.keyword === 'if' && kept.some((e) => e !== error && within(e.instancePath, error.instancePath)))
      continue;
    const violation = {
      where: whereOf(root, error),
      message: messageOf(error, branchErrors.get(error) ?? [], root),
    };
    // Several members of an allOf may require the same property.
    violations.set(`${violation.where} ${violation.message}`, violation);
  }
  return [...violations.values()];
}

function isNullBranch(branch: ErrorObject, alternative: ErrorObject): boolean {
  return (
    branch.keyword === 'type' &&
    (branch.params as Schema).type === 'null' &&
    branch.instancePath === alternative.instancePath
  );
}

function within(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}/`);
}

/** `/items/0/sku` under `body` → `body.items[0].sku`; a missing or extra property is named itself. */
function whereOf(root: string, error: ErrorObject): string {
  let where = root;
  const named = error.params as {
    missingProperty?: string;
    additionalProperty?: string;
    unevaluatedProperty?: string;
  };
  const extra = named.missingProperty ?? named.additionalProperty ?? named.unevaluatedProperty;
  const segments = error.instancePath.split('/').slice(1);
  if (extra !== undefined) segments.push(extra);
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) where += `[${segment}]`;
    else if (/^[\w$-]+$/.test(segment)) where += `.${segment}`;
    else where += `[${JSON.stringify(segment)}]`;
  }
  return where;
}

const BOUNDS = {
  minimum: 'at least',
  maximum: 'at most',
  exclusiveMinimum: 'more than',
  exclusiveMaximum: 'less than',
} as const;

function messageOf(error: ErrorObject, branches: ErrorObject[], root: string): string {
  const params = error.params as Schema;
  const limit = params.limit as number;
  // A header may carry a credential: its value stays out of the message (and so out of any log or answer).
  const got = root.startsWith('header.') ? 'the value sent' : describe(error.data);
  switch (error.keyword) {
    case 'type':
      return `must be ${listed(String(params.type).split(','), 'or', article)}, not ${got}`;
    case 'required':
      return 'is required but missing';
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return 'is not a property the contract allows here';
    case 'enum':
      return `must be one of ${listed(
        (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)),
        'or',
      )}, not ${got}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}, not ${got}`;
    case 'format':
      return `must be a valid ${String(params.format)}, not ${got}`;
    case 'pattern':
      return `must match the pattern ${String(params.pattern)}, not ${got}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${BOUNDS[error.keyword]} ${limit}, not ${got}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}, not ${got}`;
    case 'minLength':
    case 'maxLength':
      return `must be ${error.keyword === 'minLength' ? 'at least' : 'at most'} ${limit} characters long, not ${String(error.data).length}`;
    case 'minItems':
    case 'maxItems':
      return `must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${limit} items, not ${(error.data as unknown[]).length}`;
    case 'uniqueItems':
      return `must not repeat an item (items ${String(params.j)} and ${String(params.i)} are equal)`;
    case 'minProperties':
    case 'maxProperties':
      return `must have ${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${limit} properties`;
    case READ_ONLY:
      return 'is read-only: the contract allows it in responses only';
    case WRITE_ONLY:
      return 'is write-only: the contract allows it in requests only';
    case 'false schema':
      return 'is not allowed here';
    case 'not':
      return 'must not match the schema the contract excludes here';
    case 'anyOf':
    case 'oneOf':
      return alternativesMessage(error, branches, root);
    default:
      return error.message ?? `breaks the ${error.keyword} rule`;
  }
}

/** A value that matches none of the alternatives (or, for oneOf, several): with the nearest miss, deepest first. */
function alternativesMessage(error: ErrorObject, branches: ErrorObject[], root: string): string {
  const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (error.keyword === 'oneOf' && Array.isArray(passing))
    return `matches ${passing.length} of the shapes oneOf allows here (alternatives ${passing.join(' and ')}), not exactly one`;
  const nearest = [...branches].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  const hint = nearest ? ` (nearest miss: ${whereOf(root, nearest)} ${messageOf(nearest, [], root)})` : '';
  return `matches none of the shapes ${error.keyword} allows here${hint}`;
}

function article(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function listed(
  items: string[],
  conjunction: string,
  each: (item: string) => string = (item) => item,
): string {
  const shown =
    items.length > 12 ? [...items.slice(0, 12).map(each), `${items.length - 12} more`] : items.map(each);
  if (shown.length <= 1) return shown[0] ?? '';
  return `${shown.slice(0, -1).join(', ')} ${conjunction} ${shown[shown.length - 1]}`;
}

/** A value as a message shows it: short, its type clear. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
