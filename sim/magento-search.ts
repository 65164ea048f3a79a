/**
 * A repository's getList as a Magento store runs it, written from Adobe's "Search using REST endpoints" page and
 * Magento's collection processors: the query string read into PHP's nested arrays (`a[b][0][c]=…`), the names taken
 * in snake_case or camelCase, filter groups ANDed and the filters of a group ORed, sort orders in turn (a direction
 * left out is DESC: AbstractDb::addOrder), pageSize and currentPage (no pageSize: everything; a page past the last
 * answers the last, as Magento's collections do). Demo and test use only.
 */

export interface SimFilter {
  field: string;
  value: string;
  conditionType: string;
}

export interface SimCriteria {
  filterGroups: SimFilter[][];
  sortOrders: { field: string; direction: 'ASC' | 'DESC' }[];
  pageSize: number | undefined;
  currentPage: number | undefined;
}

/** A criteria Magento cannot run (an unknown condition): 400 with this message. */
export class SearchCriteriaError extends Error {}

/** PHP's parse_str for the searchCriteria part of a query. */
export function readSearchCriteria(query: URLSearchParams): SimCriteria {
  const tree: Record<string, unknown> = {};
  for (const [name, value] of query) {
    const path = bracketPath(name);
    if (path[0] !== 'searchCriteria') continue;
    let node: Record<string, unknown> = tree;
    for (const key of path.slice(1, -1)) {
      const next = node[key];
      node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
    }
    node[path.at(-1)!] = value;
  }
  const groups = entriesOf(pick(tree, 'filter_groups', 'filterGroups')).map((group) =>
    entriesOf(pick(group, 'filters')).map((filter) => ({
      field: String(pick(filter, 'field') ?? ''),
      value: String(pick(filter, 'value') ?? ''),
      conditionType: String(pick(filter, 'condition_type', 'conditionType') ?? 'eq'),
    })),
  );
  const sortOrders = entriesOf(pick(tree, 'sort_orders', 'sortOrders')).map((order) => ({
    field: String(pick(order, 'field') ?? ''),
    direction:
      String(pick(order, 'direction') ?? '').toUpperCase() === 'ASC' ? ('ASC' as const) : ('DESC' as const),
  }));
  return {
    filterGroups: groups,
    sortOrders,
    pageSize: intOf(pick(tree, 'page_size', 'pageSize')),
    currentPage: intOf(pick(tree, 'current_page', 'currentPage')),
  };
}

/** The parameter as the schema declares it: index 0, camelCase (`searchCriteria[filterGroups][0]…[conditionType]`). */
export function templateName(name: string): string {
  if (!name.startsWith('searchCriteria[')) return name;
  return name
    .replace(/\[\d+\]/g, '[0]')
    .replace('[filter_groups]', '[filterGroups]')
    .replace('[sort_orders]', '[sortOrders]')
    .replace('[condition_type]', '[conditionType]')
    .replace('[page_size]', '[pageSize]')
    .replace('[current_page]', '[currentPage]');
}

/** The page of `rows` the criteria select, and how many match in all. */
export function runSearch<T extends object>(
  rows: readonly T[],
  criteria: SimCriteria,
): { items: T[]; totalCount: number } {
  const matching = rows.filter((row) =>
    criteria.filterGroups.every((group) => group.length === 0 || group.some((f) => matches(row, f))),
  );
  if (criteria.sortOrders.length)
    matching.sort((a, b) => {
      for (const order of criteria.sortOrders) {
        const diff = compare(fieldOf(a, order.field), fieldOf(b, order.field));
        if (diff !== 0) return order.direction === 'ASC' ? diff : -diff;
      }
      return 0;
    });
  const size = criteria.pageSize;
  if (!size) return { items: matching, totalCount: matching.length };
  const lastPage = Math.max(1, Math.ceil(matching.length / size));
  const page = Math.min(Math.max(1, criteria.currentPage ?? 1), lastPage);
  return { items: matching.slice((page - 1) * size, page * size), totalCount: matching.length };
}

/** The criteria as Magento echoes them in `search_criteria`. */
export function echoCriteria(criteria: SimCriteria): object {
  return {
    filter_groups: criteria.filterGroups.map((filters) => ({
      filters: filters.map((f) => ({ field: f.field, value: f.value, condition_type: f.conditionType })),
    })),
    ...(criteria.sortOrders.length ? { sort_orders: criteria.sortOrders } : {}),
    ...(criteria.pageSize !== undefined ? { page_size: criteria.pageSize } : {}),
    ...(criteria.currentPage !== undefined ? { current_page: criteria.currentPage } : {}),
  };
}

function matches(row: object, filter: SimFilter): boolean {
  const actual = fieldOf(row, filter.field);
  const value = filter.value;
  switch (filter.conditionType) {
    case 'eq':
      return compare(actual, value) === 0;
    case 'neq':
      return compare(actual, value) !== 0;
    case 'gt':
      return actual !== undefined && compare(actual, value) > 0;
    case 'gteq':
    case 'moreq':
    case 'from':
      return actual !== undefined && compare(actual, value) >= 0;
    case 'lt':
      return actual !== undefined && compare(actual, value) < 0;
    case 'lteq':
    case 'to':
      return actual !== undefined && compare(actual, value) <= 0;
    case 'in':
      return value.split(',').some((v) => compare(actual, v.trim()) === 0);
    case 'nin':
      return !value.split(',').some((v) => compare(actual, v.trim()) === 0);
    case 'null':
      return actual === undefined || actual === null;
    case 'notnull':
      return actual !== undefined && actual !== null;
    default:
      throw new SearchCriteriaError(`Condition type "${filter.conditionType}" is not supported`);
  }
}

function fieldOf(row: object, field: string): unknown {
  return (row as Record<string, unknown>)[field];
}

/** As MySQL compares a column with a string: numerically for numbers, else as text. */
function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b);
  const x = String(a ?? '');
  const y = String(b ?? '');
  return x < y ? -1 : x > y ? 1 : 0;
}

function bracketPath(name: string): string[] {
  const head = /^[^[]+/.exec(name)?.[0] ?? '';
  const keys = [...name.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!);
  return [head, ...keys];
}

function pick(node: unknown, ...names: string[]): unknown {
  if (typeof node !== 'object' || node === null) return undefined;
  const record = node as Record<string, unknown>;
  for (const name of names) if (record[name] !== undefined) return record[name];
  return undefined;
}

/** An array-like PHP node ({0: …, 1: …}) in index order. */
function entriesOf(node: unknown): unknown[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node as Record<string, unknown>)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

function intOf(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}
