import { failedConnection, type ConnectionTestResult } from '../../shared/connection-test.ts';
import { getSource, listOrders } from './rest.ts';
import type { MagentoCall } from './transport.ts';

/**
 * A Magento channel's connection test: one order read (GET /V1/orders, page size 1: the credentials and the
 * integration's Sales resource, the same request the poll makes), then the Inventory source the stock goes to. Both
 * only read.
 */
export async function testMagentoConnection(
  call: MagentoCall,
  sourceCode: string,
): Promise<ConnectionTestResult> {
  try {
    const orders = await listOrders(call, { groups: [], pageSize: 1, currentPage: 1 });
    const source = await getSource(call, sourceCode);
    return {
      ok: true,
      detail: `Magento answered: ${orders.total_count} order(s); Inventory source ${source.source_code}${source.enabled === false ? ' (disabled in Magento)' : ''}`,
    };
  } catch (error) {
    return failedConnection(error);
  }
}
