import type { QueryPair } from './transport.ts';

/** One search term: `field condition value` (https://developer.adobe.com/commerce/webapi/rest/use-rest/performing-searches/). */
export interface Filter {
  field: string;
  value: string;
  condition: 'eq' | 'gt' | 'gteq' | 'lt' | 'lteq' | 'in' | 'neq';
}

export interface SearchCriteria {
  /** Groups are ANDed; the filters inside one group are ORed. */
  groups: readonly (readonly Filter[])[];
  sort?: readonly { field: string; direction: 'ASC' | 'DESC' }[];
  pageSize?: number;
  currentPage?: number;
}

/**
 * A repository's getList criteria as Magento reads them from the query string, in the documented snake_case form.
 * Indices stay below 10: Magento verifies an OAuth signature over the parameters sorted in PHP's natural order
 * (strnatcmp), RFC 5849 in byte order, and the two agree on single-digit indices.
 */
export function searchCriteriaQuery(criteria: SearchCriteria): QueryPair[] {
  if (
    criteria.groups.length > 9 ||
    criteria.groups.some((g) => g.length > 9) ||
    (criteria.sort?.length ?? 0) > 9
  )
    throw new RangeError('at most 9 filter groups, filters per group and sort orders');
  const pairs: QueryPair[] = [];
  criteria.groups.forEach((group, g) =>
    group.forEach((filter, f) => {
      const at = `searchCriteria[filter_groups][${g}][filters][${f}]`;
      pairs.push([`${at}[field]`, filter.field], [`${at}[value]`, filter.value]);
      pairs.push([`${at}[condition_type]`, filter.condition]);
    }),
  );
  criteria.sort?.forEach((order, i) => {
    pairs.push([`searchCriteria[sortOrders][${i}][field]`, order.field]);
    pairs.push([`searchCriteria[sortOrders][${i}][direction]`, order.direction]);
  });
  if (criteria.pageSize !== undefined) pairs.push(['searchCriteria[pageSize]', String(criteria.pageSize)]);
  if (criteria.currentPage !== undefined)
    pairs.push(['searchCriteria[currentPage]', String(criteria.currentPage)]);
  return pairs;
}
