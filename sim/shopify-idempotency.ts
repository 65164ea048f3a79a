import { Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { idempotencyKey } from './shopify-graphql.ts';

// The `@idempotent(key:)` directive (https://shopify.dev/docs/api/usage/implementing-idempotency and the changelogs
// "Adding idempotency for inventory adjustments and refund mutations", 2026-01, and "Making idempotency mandatory …",
// 2026-04). Which mutations take a key, and which require one, is read from the served version's schema, where each
// says so in its description ("As of 2026-04, the idempotency key is required …"): a mutation that requires one
// refuses to run without it, although the schema cannot mark a directive required. A repeat with the same key and
// the same variables is answered what the first was, and nothing runs again; the same key with other variables is
// refused.

const TAKES_KEY = /supports an optional idempotency key using the `@idempotent` directive/;
const REQUIRES_KEY = /the idempotency key is required and must be provided using the `@idempotent` directive/;

export interface IdempotentCall {
  root: string;
  key: string;
}

/** The call's key when its mutation takes one; `refusal` when the served version requires one it does not carry. */
export function idempotencyOf(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): IdempotentCall | { refusal: string } | undefined {
  if (operation.operation !== 'mutation') return undefined;
  const field = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  const root = field?.kind === Kind.FIELD ? field.name.value : undefined;
  const described = root ? (schema.getMutationType()?.getFields()[root]?.description ?? '') : '';
  if (!root || !TAKES_KEY.test(described)) return undefined;
  const key = idempotencyKey(operation, variables);
  if (key !== undefined && key.trim() === '')
    return { refusal: 'The idempotency key cannot be an empty string or whitespace only.' };
  if (key !== undefined) return { root, key };
  if (REQUIRES_KEY.test(described))
    return { refusal: `${root} requires an idempotency key: add @idempotent(key: …) to the mutation field.` };
  return undefined;
}

interface Kept {
  /** Compared as JSON only when the key comes again: stringifying every call's variables cost more than running it. */
  variables: Record<string, unknown>;
  outcome: 'ok' | 'user-errors';
  payload: { data: unknown; extensions?: unknown };
}

/** What was answered under each key, per mutation. */
export class IdempotencyKeys {
  readonly #kept = new Map<string, Kept>();

  /** The kept answer of a repeat; a mismatch answer when the key came with other variables; undefined: run it. */
  answer(
    call: IdempotentCall,
    variables: Record<string, unknown>,
  ): { outcome: 'ok' | 'user-errors'; payload: unknown } | undefined {
    const kept = this.#kept.get(`${call.root} ${call.key}`);
    if (!kept) return undefined;
    if (JSON.stringify(kept.variables) === JSON.stringify(variables))
      return { outcome: kept.outcome, payload: kept.payload };
    const userErrors = [
      {
        field: null,
        code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
        message: 'The idempotency key was already used with other variables.',
      },
    ];
    return { outcome: 'user-errors', payload: { data: { [call.root]: { userErrors } } } };
  }

  keep(
    call: IdempotentCall,
    variables: Record<string, unknown>,
    outcome: 'ok' | 'user-errors',
    payload: Kept['payload'],
  ): void {
    this.#kept.set(`${call.root} ${call.key}`, { variables, outcome, payload });
  }
}
