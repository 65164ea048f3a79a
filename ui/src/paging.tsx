import type { FormEvent } from 'react';
import { useLocation, useSearchParams } from 'react-router';

/**
 * A list the hub filters and pages with cursors (`next` → `before`). The filters and the page's cursor live in the
 * address, so a filtered list can be bookmarked and Back goes where it should; the cursors of the pages before ride
 * in the history entry, for Previous.
 *
 * @example
 * const list = useFilteredPages(['q', 'state']);
 * const [orders] = useLoad((signal) => api(`/api/v1/orders${query({ ...list.filters, before: list.before })}`, { signal }), [list.key]);
 * <form onSubmit={list.applyFilters}>…</form> … <Pager list={list} next={page.next} />
 */
export function useFilteredPages<Name extends string>(names: readonly Name[]) {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const trail = (location.state as { trail?: string[] } | null)?.trail ?? [];
  const filters = Object.fromEntries(names.map((name) => [name, params.get(name) ?? ''])) as Record<
    Name,
    string
  >;
  const before = params.get('before') ?? '';

  /** A new search starts from the first page. */
  const applyFilters = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of names) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };

  const goTo = (cursor: string, nextTrail: string[]) => {
    const next = new URLSearchParams(params);
    if (cursor) next.set('before', cursor);
    else next.delete('before');
    setParams(next, { state: { trail: nextTrail } });
  };

  return {
    filters,
    before,
    /** Changes whenever the list to show does: a dependency for loading it. */
    key: params.toString(),
    applyFilters,
    previous: before ? () => goTo(trail.at(-1) ?? '', trail.slice(0, -1)) : null,
    nextPage: (next: string) => goTo(next, [...trail, before]),
  };
}

export function Pager({ list, next }: { list: ReturnType<typeof useFilteredPages>; next: string | null }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={!list.previous} onClick={() => list.previous?.()}>
        Previous
      </button>
      <button type="button" disabled={!next} onClick={() => next && list.nextPage(next)}>
        Next
      </button>
    </nav>
  );
}
