import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  RawNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type CompiledQuery,
  type QueryResult,
  type RawBuilder,
  sql,
} from 'kysely';
import type { Database, Db } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

/** The dialect of each Db the store hands out (its root and every transaction it opens). */
const dialects = new WeakMap<object, Dialect>();

/** The dialect of a Db the store handed out (undefined for any other). */
export function dialectOf(db: object): Dialect | undefined {
  return dialects.get(db);
}

/** Called by the store for each Db it hands out, so statements run on it use their compiled form. */
export function markDialect<T extends object>(db: T, dialect: Dialect): T {
  dialects.set(db, dialect);
  return db;
}

/** Kysely instances that only compile (DummyDriver never connects): the same SQL the store's own would produce. */
const compilers: Record<Dialect, Db> = {
  sqlite: new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  }),
  postgres: new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
};

/** The SQL of the statements compiled for PostgreSQL, each with a name of its own (see preparedName). */
const preparedNames = new Map<string, string>();

/**
 * The name under which PostgreSQL may keep this SQL prepared, if it is a statement's: the server then parses and
 * plans it once per connection instead of at every run. undefined for any other SQL.
 */
export function preparedName(sql: string): string | undefined {
  return preparedNames.get(sql);
}

/** Stands for a value in a statement while it is compiled; bound at each run. */
class Placeholder {
  constructor(
    readonly row: number,
    readonly field: string,
  ) {}
}

/** Where each bound parameter of a compiled statement comes from: a named value, a row's field, or a constant. */
type Binding =
  | { from: 'param'; field: string }
  | { from: 'row'; row: number; field: string }
  | { from: 'constant'; value: unknown };

interface Compiled {
  readonly sql: string;
  readonly query: RawNode;
  readonly bindings: readonly Binding[];
}

/**
 * Statements with more rows than this are built each time (rare: an order of hundreds of lines); the repos write
 * and read batches in chunks of it.
 */
export const ROWS_PER_STATEMENT = 64;

/**
 * A statement built with the query builder once per dialect and number of rows, then run many times with new values:
 * on the hot path, building and compiling a query cost more than the database took to run it. `build` gets
 * placeholders in place of the values (`p.sku`, `rows[i].quantity`) and must not look at them: they are bound at
 * each run, in the order the compiled SQL wants them. Run on a Db the store did not hand out (or with many rows),
 * the statement is built with the real values, as the query builder would.
 *
 * @example
 * const findOrder = statement((db, p: { channelId: string; externalId: string }) =>
 *   db.selectFrom('orders').select('id').where('channel_id', '=', p.channelId).where('external_id', '=', p.externalId));
 * const { rows } = await findOrder.run(tx, { channelId, externalId });
 */
export function statement<P extends object, R, Row extends object = never>(
  build: (db: Db, p: P, rows: readonly Row[]) => Compilable<R>,
) {
  const cache = new Map<string, Compiled>();
  const compile = (dialect: Dialect, rowCount: number): Compiled => {
    const key = `${dialect}:${rowCount}`;
    let compiled = cache.get(key);
    if (!compiled) {
      const params = new Proxy({}, { get: (_, field) => new Placeholder(-1, String(field)) }) as P;
      const rows = Array.from(
        { length: rowCount },
        (_, row) => new Proxy({}, { get: (__, field) => new Placeholder(row, String(field)) }) as Row,
      );
      const query = build(compilers[dialect], params, rows).compile();
      compiled = {
        sql: query.sql,
        query: RawNode.createWithSql(query.sql),
        bindings: query.parameters.map((value): Binding => {
          if (!(value instanceof Placeholder)) return { from: 'constant', value };
          return value.row < 0
            ? { from: 'param', field: value.field }
            : { from: 'row', row: value.row, field: value.field };
        }),
      };
      cache.set(key, compiled);
      // Not a `select *`: a prepared statement whose result gains a column (a migration run by a newer Waybill while
      // this one still runs) fails with "cached plan must not change result type"; named columns do not change.
      if (dialect === 'postgres' && !compiled.sql.includes('*') && !preparedNames.has(compiled.sql))
        preparedNames.set(compiled.sql, `waybill_${preparedNames.size + 1}`);
    }
    return compiled;
  };
  return {
    async run(db: Db, params: P, rows: readonly Row[] = []): Promise<QueryResult<R>> {
      const dialect = dialects.get(db);
      if (!dialect || rows.length > ROWS_PER_STATEMENT) return db.executeQuery(build(db, params, rows));
      const { sql, query, bindings } = compile(dialect, rows.length);
      const parameters = bindings.map((b) => {
        const value =
          b.from === 'constant'
            ? b.value
            : b.from === 'param'
              ? (params as Record<string, unknown>)[b.field]
              : (rows[b.row] as Record<string, unknown>)[b.field];
        return value === undefined ? null : value;
      });
      return db.executeQuery({ sql, query, parameters, queryId: QUERY_ID } as CompiledQuery<R>);
    },
  };
}

/** No plugin is installed, so nothing correlates a query with its result by id: one id serves every run. */
const QUERY_ID = { queryId: 'statement' };

/** Keys per `in (…)` list on SQLite: well inside what it binds in one statement. */
const KEYS_PER_STATEMENT = 500;
/** Keys per array on PostgreSQL: one parameter, so the statement is planned the same whatever the count. */
const KEYS_PER_ARRAY = 10_000;

/** Keys in the pieces one statement takes on this database. */
export function keyChunks<T>(db: Db, keys: readonly T[]): T[][] {
  const size = dialectOf(db) === 'postgres' ? KEYS_PER_ARRAY : KEYS_PER_STATEMENT;
  const out: T[][] = [];
  for (let i = 0; i < keys.length; i += size) out.push(keys.slice(i, i + size));
  return out;
}

/**
 * `column` is one of `keys`: on PostgreSQL `= any($1)` with one array parameter (a list of 500 parameters was parsed
 * and planned at every statement: a million keys took minutes), on SQLite an `in` list.
 */
export function oneOf(db: Db, column: string, keys: readonly string[]): RawBuilder<boolean> {
  return dialectOf(db) === 'postgres'
    ? sql<boolean>`${sql.ref(column)} = any(${[...keys]})`
    : sql<boolean>`${sql.ref(column)} in (${sql.join(keys)})`;
}
