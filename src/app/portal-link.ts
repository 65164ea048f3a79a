import { PermanentError } from '../domain/permanent-error.ts';
import type { AppContext } from './context.ts';

/** A signed link that opens one PO in the supplier portal. Built with the email transport (issue 14). */
export function issuePortalLink(_ctx: AppContext, supplierId: string, poNumber: string): Promise<string> {
  return Promise.reject(new PermanentError(`no portal link for ${supplierId}'s ${poNumber} yet`));
}
