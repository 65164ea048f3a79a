import {
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isInputType,
  isLeafType,
  isListType,
  isNonNullType,
  typeFromAST,
  valueFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from 'graphql';

// graphql-js's variable coercion (getVariableValues), compiled once per operation: the same steps on the same
// values, with the types' structure read once instead of at every value. graphql-js asks "is this a list, an input
// object, a leaf?" of every value it meets, and outside NODE_ENV=production each "no" reads the type's class name
// (instanceOf): ~7 µs a quantity of an inventorySetQuantities of 250, more than everything else the simulated shop
// does with it. Only a request that coerces without an error is answered here, built as graphql-js builds it (fields
// in the type's order, defaults filled in, a list of one for a lone value, leaves through the type's own
// parseValue); at the first doubt (an error, a oneOf input, an iterable that is not an array) graphql-js itself
// coerces the whole request again, for its exact errors.

/** What getVariableValues answers. */
export type CoercedVariables = ReturnType<typeof getVariableValues>;

/** The marker of a value graphql-js must coerce itself: an error to report, or a case not compiled. */
const DEFER = Symbol('defer to graphql-js');
type Coerce = (value: unknown) => unknown;

interface CompiledVariable {
  name: string;
  type: GraphQLInputType;
  nonNull: boolean;
  definition: VariableDefinitionNode;
  coerce: Coerce;
}

/** Per schema, the compiled coercion of each input type met (a recursive input type refers to its own entry). */
const compiledTypes = new WeakMap<GraphQLSchema, Map<GraphQLInputType, Coerce>>();
/** Per schema, each operation's variables compiled; null when one is not an input type (graphql-js reports it). */
const compiledOperations = new WeakMap<
  GraphQLSchema,
  WeakMap<readonly VariableDefinitionNode[], CompiledVariable[] | null>
>();

/** getVariableValues(schema, definitions, inputs, options), the same answer, faster when there is no error. */
export function coerceVariables(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  inputs: Record<string, unknown>,
  options: { maxErrors?: number },
): CoercedVariables {
  const coerced = coerceCompiled(schema, definitions, inputs);
  return coerced ? { coerced } : getVariableValues(schema, definitions, inputs, options);
}

/** The variables coerced by the compiled steps; undefined when graphql-js must coerce them (an error, a rare case). */
export function coerceCompiled(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  inputs: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const variables = compiledVariables(schema, definitions);
  const coerced = variables && coerceAll(schema, variables, inputs);
  return coerced && coerced !== DEFER ? coerced : undefined;
}

/** coerceVariableValues of graphql-js's execution/values, its error paths deferred. */
function coerceAll(
  schema: GraphQLSchema,
  variables: readonly CompiledVariable[],
  inputs: Record<string, unknown>,
): Record<string, unknown> | typeof DEFER {
  const coerced = Object.create(null) as Record<string, unknown>;
  for (const variable of variables) {
    if (!Object.prototype.hasOwnProperty.call(inputs, variable.name)) {
      if (variable.definition.defaultValue)
        coerced[variable.name] = valueFromAST(variable.definition.defaultValue, variable.type);
      else if (variable.nonNull) return DEFER;
      continue;
    }
    const value = variable.coerce(inputs[variable.name]);
    if (value === DEFER) return DEFER;
    coerced[variable.name] = value;
  }
  return { ...coerced };
}

function compiledVariables(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
): CompiledVariable[] | null {
  let operations = compiledOperations.get(schema);
  if (!operations) compiledOperations.set(schema, (operations = new WeakMap()));
  let compiled = operations.get(definitions);
  if (compiled === undefined) {
    compiled = [];
    for (const definition of definitions) {
      const type = typeFromAST(schema, definition.type);
      if (!isInputType(type)) {
        compiled = null;
        break;
      }
      const name = definition.variable.name.value;
      compiled.push({
        name,
        type,
        nonNull: isNonNullType(type),
        definition,
        coerce: compiledType(schema, type),
      });
    }
    operations.set(definitions, compiled);
  }
  return compiled;
}

/** coerceInputValueImpl of graphql-js's utilities/coerceInputValue for one type, its error paths deferred. */
function compiledType(schema: GraphQLSchema, type: GraphQLInputType): Coerce {
  let types = compiledTypes.get(schema);
  if (!types) compiledTypes.set(schema, (types = new Map()));
  const known = types.get(type);
  if (known) return known;
  // Entered before the parts are compiled, so that a type met again inside itself finds it.
  let coerce: Coerce = () => DEFER;
  types.set(type, (value) => coerce(value));
  coerce = compile(schema, type);
  types.set(type, coerce);
  return coerce;
}

function compile(schema: GraphQLSchema, type: GraphQLInputType): Coerce {
  if (isNonNullType(type)) {
    const inner = compiledType(schema, type.ofType);
    return (value) => (value == null ? DEFER : inner(value));
  }
  const nullable = compileNullable(schema, type);
  return (value) => (value == null ? null : nullable(value));
}

/** A value neither null nor undefined, of a type that is not non-null. */
function compileNullable(schema: GraphQLSchema, type: GraphQLInputType): Coerce {
  if (isListType(type)) {
    const item = compiledType(schema, type.ofType as GraphQLInputType);
    return (value) => {
      if (!Array.isArray(value)) {
        // Another iterable is read through its iterator by graphql-js: left to it.
        if (isIterable(value)) return DEFER;
        // A list accepts a lone value as a list of one.
        const one = item(value);
        return one === DEFER ? DEFER : [one];
      }
      const list = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        const coerced = item(value[i]);
        if (coerced === DEFER) return DEFER;
        list[i] = coerced;
      }
      return list;
    };
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).map((field) => ({
      name: field.name,
      defaultValue: field.defaultValue,
      required: isNonNullType(field.type),
      coerce: compiledType(schema, field.type),
    }));
    const names = new Set(fields.map((field) => field.name));
    // graphql-js builds the object without a prototype and copies it into a plain one: the same object as one built
    // plain, but for a field named __proto__, left to it.
    if (type.isOneOf || names.has('__proto__')) return () => DEFER;
    return (value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return DEFER;
      const source = value as Record<string, unknown>;
      const object: Record<string, unknown> = {};
      for (const field of fields) {
        const given = source[field.name];
        if (given === undefined) {
          if (field.defaultValue !== undefined) object[field.name] = field.defaultValue;
          else if (field.required) return DEFER;
          continue;
        }
        const coerced = field.coerce(given);
        if (coerced === DEFER) return DEFER;
        object[field.name] = coerced;
      }
      // A field the type does not define is an error.
      for (const name of Object.keys(source)) if (!names.has(name)) return DEFER;
      return object;
    };
  }
  if (isLeafType(type)) {
    const enumeration = isEnumType(type);
    return (value) => {
      let parsed: unknown;
      try {
        parsed = enumeration ? type.parseValue(value, undefined) : type.parseValue(value);
      } catch {
        return DEFER;
      }
      return parsed === undefined ? DEFER : parsed;
    };
  }
  return () => DEFER;
}

function isIterable(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    typeof (value as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] === 'function'
  );
}
