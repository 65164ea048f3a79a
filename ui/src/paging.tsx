import { useEffect, useState, type ChangeEvent } from 'react';
import { useLocation, useSearchParams } from 'react-router';

/**
 * A list the hub filters and pages with cursors (`next` → `before`, or whatever the list's cursor is called: the
 * review queue's is `after`). The filters and the page's cursor live in the address, so a filtered list can be
 * bookmarked and Back goes where it should; the cursors of the pages before ride in the history entry, for Previous.
 *
 * @example
 * const list = useFilteredPages(['q', 'state']);
 * const [orders] = useLoad((signal) => api(`/api/v1/orders${query({ ...list.filters, before: list.cursor })}`, { signal }), [list.key]);
 * const [draft, bind] = useFilterDraft(list.filters);
 * <form onSubmit={(e) => { e.preventDefault(); list.search(draft); }}><Field label="Search" {...bind('q')} /></form>
 * <Pager list={list} next={page.next} />
 */
export function useFilteredPages<Name extends string>(
  names: readonly Name[],
  { cursorName = 'before' }: { cursorName?: string } = {},
) {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const trail = (location.state as { trail?: string[] } | null)?.trail ?? [];
  const filters = Object.fromEntries(names.map((name) => [name, params.get(name) ?? ''])) as Record<
    Name,
    string
  >;
  const cursor = params.get(cursorName) ?? '';
  const limit = Number(params.get('limit')) || undefined;

  /** A new search starts from the first page. */
  const search = (values: Record<Name, string>) => {
    const next = new URLSearchParams();
    // A page size the address sets (`?limit=20`) stays with a new search.
    const pageSize = params.get('limit');
    if (pageSize) next.set('limit', pageSize);
    for (const name of names) {
      const value = values[name].trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };

  const goTo = (to: string, nextTrail: string[]) => {
    const next = new URLSearchParams(params);
    if (to) next.set(cursorName, to);
    else next.delete(cursorName);
    setParams(next, { state: { trail: nextTrail } });
  };

  return {
    filters,
    /** The cursor of the page to show (empty: the first page), for the hub's query under its own name. */
    cursor,
    /** The page size the address asks for, if any. */
    limit,
    /** Changes whenever the list to show does: a dependency for loading it. */
    key: params.toString(),
    search,
    previous: cursor ? () => goTo(trail.at(-1) ?? '', trail.slice(0, -1)) : null,
    nextPage: (next: string) => goTo(next, [...trail, cursor]),
  };
}

/**
 * The filters as a person edits them until they search: controlled inputs that follow the address when it changes
 * otherwise (Back, a nav link), and a picker whose choices come later still shows its value. `bind(name)` gives an
 * input its name, value and onChange.
 */
export function useFilterDraft<Name extends string>(values: Record<Name, string>) {
  const [draft, setDraft] = useState(values);
  // `values` is a new object each render; what it says is what counts.
  const fromAddress = JSON.stringify(values);
  useEffect(() => setDraft(JSON.parse(fromAddress) as Record<Name, string>), [fromAddress]);
  const bind = (name: Name) => ({
    name,
    value: draft[name],
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
      setDraft((d) => ({ ...d, [name]: event.target.value })),
  });
  return [draft, bind] as const;
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
