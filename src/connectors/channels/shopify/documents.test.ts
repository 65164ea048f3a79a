import { readdirSync } from 'node:fs';
import { getOperationAST, NoDeprecatedCustomRule, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schemaOf } from '../../../../sim/shopify-graphql.ts';
import { SHOPIFY_API_VERSION } from './api-version.ts';
import { VARIANTS_EXPORT_QUERY, type Operation } from './graphql.ts';

// Every GraphQL document the Shopify adapter exports, checked against Shopify's published schema of the version
// Waybill pins (sim/shopify-schema/), so that a document no test drives through the simulator is checked too.
const files = readdirSync(new URL('.', import.meta.url)).filter(
  (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
);
const modules = await Promise.all(
  files.map(async (file) => [file, (await import(`./${file}`)) as Record<string, unknown>] as const),
);

function isOperation(value: unknown): value is Operation<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    'query' in value &&
    'data' in value &&
    typeof (value as { query: unknown }).query === 'string'
  );
}

const operations = modules.flatMap(([file, exports]) =>
  Object.entries(exports)
    .filter((entry): entry is [string, Operation<unknown>] => isOperation(entry[1]))
    .map(([name, operation]) => ({ where: `${file} ${name}`, operation })),
);

describe(`every Shopify document against the Admin API ${SHOPIFY_API_VERSION} schema`, () => {
  const schema = schemaOf(SHOPIFY_API_VERSION);

  it('finds the documents (all of them, not none)', () => {
    expect(schema).toBeDefined();
    // 22 named operations today; fewer means the collection broke, not that documents went away.
    expect(operations.length).toBeGreaterThanOrEqual(22);
    expect(new Set(operations.map((o) => o.operation.name)).size).toBe(operations.length);
  });

  it.each(operations)('$where is valid and names its operation', ({ operation }) => {
    const document = parse(operation.query);
    expect(validate(schema!, document).map((e) => e.message)).toEqual([]);
    expect(getOperationAST(document, operation.name)?.name?.value).toBe(operation.name);
  });

  it('the bulk export of variants is a valid query too (Shopify runs it as a document of its own)', () => {
    const document = parse(VARIANTS_EXPORT_QUERY);
    expect(validate(schema!, document).map((e) => e.message)).toEqual([]);
    expect(validate(schema!, document, [NoDeprecatedCustomRule]).map((e) => e.message)).toEqual([]);
  });

  it('uses nothing deprecated (a deprecated field goes in a later version)', () => {
    const deprecated = operations.flatMap(({ where, operation }) =>
      validate(schema!, parse(operation.query), [NoDeprecatedCustomRule]).map(
        (e) => `${where}: ${e.message}`,
      ),
    );
    expect(deprecated).toEqual([]);
  });
});
