import { useCallback, useEffect, useState, type DependencyList } from 'react';
import { Problem } from './api.ts';

export type Loaded<T> =
  { status: 'loading' } | { status: 'failed'; error: Problem | Error } | { status: 'loaded'; data: T };

/**
 * Loads what a page shows, again whenever `deps` change or `reload()` is called. An answer that arrives after the
 * page asked for another is dropped (the request is aborted), so a quick change of filters never shows stale rows.
 *
 * @example
 * const [orders, reload] = useLoad((signal) => api<OrderList>(`/api/v1/orders${query(filters)}`, { signal }), [filters]);
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  // The caller lists what `load` depends on, as with useEffect.
  const stableLoad = useCallback(load, deps);

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => (s.status === 'loaded' ? s : { status: 'loading' }));
    stableLoad(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: 'loaded', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => controller.abort();
  }, [stableLoad, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [state, reload];
}
