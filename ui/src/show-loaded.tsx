import type { ReactNode } from 'react';
import { messageOf } from './api.ts';
import { ErrorMessage } from './forms.tsx';
import type { Loaded } from './use-load.ts';

/**
 * What a page shows of something it loads: a line while it comes, the hub's problem if it failed, else `children`.
 *
 * @example
 * <ShowLoaded loaded={orders}>{(page) => <OrdersTable orders={page.orders} />}</ShowLoaded>
 */
export function ShowLoaded<T>({
  loaded,
  children,
  failed,
}: {
  loaded: Loaded<T>;
  children: (data: T) => ReactNode;
  /** A page's own words for a failure (a 404 as "not found"); the hub's detail otherwise. */
  failed?: (error: Error) => ReactNode;
}) {
  if (loaded.status === 'loading') return <p className="loading">Loading…</p>;
  if (loaded.status === 'failed')
    return <>{failed?.(loaded.error) ?? <ErrorMessage>{messageOf(loaded.error)}</ErrorMessage>}</>;
  return <>{children(loaded.data)}</>;
}
