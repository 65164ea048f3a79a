import { getOperationAST, getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { inventorySetMutation } from '../src/connectors/channels/shopify/graphql.ts';
import { coerceCompiled, coerceVariables } from './graphql-variables.ts';
import { schemaOf } from './shopify-graphql.ts';

// The compiled coercion must answer exactly what graphql-js's getVariableValues answers, values (and their keys'
// order) and errors alike: each case is run through both, against Shopify's schema.

const schema = schemaOf('2026-10')!;

function operation(query: string): OperationDefinitionNode {
  return getOperationAST(parse(query))!;
}

function both(query: string, variables: Record<string, unknown>) {
  const definitions = operation(query).variableDefinitions ?? [];
  const options = { maxErrors: 10 };
  return {
    compiled: coerceVariables(schema, definitions, variables, options),
    reference: getVariableValues(schema, definitions, variables, options),
  };
}

function expectSame(
  query: string,
  variables: Record<string, unknown>,
  leftToGraphql = false,
): 'coerced' | 'errors' {
  const { compiled, reference } = both(query, variables);
  if (reference.errors) {
    expect(compiled.errors?.map((e) => e.message)).toEqual(reference.errors.map((e) => e.message));
    return 'errors';
  }
  expect(compiled.coerced).toStrictEqual(reference.coerced);
  // Answered by the compiled steps, not by graphql-js again (a oneOf input is always left to it).
  if (!leftToGraphql)
    expect(coerceCompiled(schema, operation(query).variableDefinitions ?? [], variables)).toBeDefined();
  expect(JSON.stringify(compiled.coerced)).toBe(JSON.stringify(reference.coerced));
  expect(Object.getPrototypeOf(compiled.coerced)).toBe(Object.getPrototypeOf(reference.coerced));
  return 'coerced';
}

const quantity = (i: number) => ({
  inventoryItemId: `gid://shopify/InventoryItem/${i}`,
  locationId: 'gid://shopify/Location/1',
  quantity: i,
  changeFromQuantity: null,
});

const MIXED = `mutation Mixed(
  $pricing: AppRecurringPricingInput
  $returns: [CalculateReturnLineItemInput!]
  $target: CollectionCreateSourceTargetInput
  $id: ID
  $count: Int = 5
  $names: [String!]!
  $at: DateTime
  $json: JSON
  $flag: Boolean
  $ratio: Float
) { __typename }`;

describe('coerceVariables', () => {
  it("answers inventorySetQuantities' variables as graphql-js does, fields in the type's order", () => {
    const input = {
      name: 'available',
      reason: 'correction',
      referenceDocumentUri: 'logistics://waybill/1',
      quantities: Array.from({ length: 250 }, (_, i) => quantity(i)),
    };
    expect(expectSame(inventorySetMutation.query, { input, idempotencyKey: 'k' })).toBe('coerced');
    // Variables the operation does not declare are dropped; an absent nullable field stays absent.
    const { referenceDocumentUri: _, ...withoutUri } = input;
    expect(expectSame(inventorySetMutation.query, { input: withoutUri, idempotencyKey: 'k', extra: 1 })).toBe(
      'coerced',
    );
  });

  it('refuses what graphql-js refuses, with its messages', () => {
    const input = { name: 'available', reason: 'correction', quantities: [quantity(1)] };
    const refused = [
      { input },
      { input, idempotencyKey: null },
      { input: { ...input, quantities: [{ ...quantity(1), quantity: '3' }] }, idempotencyKey: 'k' },
      { input: { ...input, quantities: [{ ...quantity(1), quantity: 2 ** 31 }] }, idempotencyKey: 'k' },
      { input: { ...input, quantities: [{ ...quantity(1), quantity: 1.5 }] }, idempotencyKey: 'k' },
      { input: { ...input, quantities: [{ ...quantity(1), locationId: null }] }, idempotencyKey: 'k' },
      { input: { ...input, quantities: [{ ...quantity(1), sku: 'A' }] }, idempotencyKey: 'k' },
      { input: { ...input, quantities: [null] }, idempotencyKey: 'k' },
      { input: { ...input, name: undefined }, idempotencyKey: 'k' },
      { input: [input], idempotencyKey: 'k' },
      { input: 'input', idempotencyKey: 'k' },
      { input, idempotencyKey: 7 },
    ];
    for (const variables of refused) expect(expectSame(inventorySetMutation.query, variables)).toBe('errors');
  });

  it('coerces as graphql-js does: lists of one, ids from numbers, defaults, nulls, custom scalars', () => {
    const accepted = [
      { names: ['a', 'b'] },
      { names: 'a' },
      { names: [], id: 42, count: null },
      { names: [], count: 7, at: '2026-12-07T06:00:00Z', json: { any: ['thing'] }, flag: false, ratio: 2 },
      { names: [], pricing: { price: { amount: '9.99', currencyCode: 'USD' } } },
      { names: [], pricing: { price: { amount: 10, currencyCode: 'USD' }, interval: 'ANNUAL' } },
      { names: [], returns: { fulfillmentLineItemId: 'gid://shopify/FulfillmentLineItem/1', quantity: 1 } },
      { names: [], pricing: null, returns: null, target: null },
    ];
    for (const variables of accepted) expect(expectSame(MIXED, variables)).toBe('coerced');
    expect(expectSame(MIXED, { names: [], target: { source: { title: 'Mugs' } } }, true)).toBe('coerced');
  });

  it('refuses as graphql-js does: enums, oneOf inputs, types', () => {
    const refused = [
      {},
      { names: null },
      { names: [null] },
      { names: [], id: true },
      { names: [], flag: 'true' },
      { names: [], ratio: 'NaN' },
      { names: [], count: '5' },
      { names: [], pricing: { price: { amount: '9.99', currencyCode: 'USD' }, interval: 'WEEKLY' } },
      { names: [], target: { source: 'PRODUCTS', shareableSource: {} } },
      { names: [], target: {} },
      { names: [], returns: [{ quantity: 1 }] },
    ];
    for (const variables of refused) expect(expectSame(MIXED, variables)).toBe('errors');
  });
});
