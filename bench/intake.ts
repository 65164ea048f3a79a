/** The intake scenario, the same on both databases: set Waybill up through its CLI, start it, load it, stop it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { orderFactory, setupYaml } from './catalog.ts';
import { createOperatorKey, startHub, waybill, type HubEnv } from './hub-process.ts';
import { driveOrders } from './load.ts';
import { CONNECTIONS, measureLoad, type MeasuredLoad } from './measure.ts';
import { INTAKE_ROUTE } from './metrics.ts';

/** migrate, apply the setup file, create an operator key: the quick start an operator follows. */
export async function prepare(env: HubEnv, dir: string): Promise<string> {
  await waybill(env, ['migrate']);
  const setupFile = join(dir, 'setup.yaml');
  writeFileSync(setupFile, setupYaml());
  await waybill(env, ['apply', setupFile]);
  return createOperatorKey(env);
}

export async function runIntake(env: HubEnv, apiKey: string, label: string): Promise<MeasuredLoad> {
  const hub = await startHub(env);
  try {
    const nextOrder = orderFactory();
    return await measureLoad(hub, `${label} intake`, INTAKE_ROUTE, (durationS) =>
      driveOrders({ url: hub.url, apiKey, connections: CONNECTIONS, durationS, nextOrder }),
    );
  } finally {
    await hub.stop();
  }
}
