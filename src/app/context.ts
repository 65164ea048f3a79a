import type { Clock, IdGenerator } from '../domain/ids.ts';
import type { SecretBox } from '../infra/secret-box.ts';
import type { Logger } from '../infra/log.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Store } from '../store/store.ts';
import type { ChannelKinds } from '../connectors/channels/registry.ts';
import type { TransportKinds } from '../connectors/suppliers/registry.ts';

/** Everything a use case may touch, wired by hand in one composition root (src/hub.ts). */
export interface AppContext {
  store: Store;
  queue: JobQueue;
  ids: IdGenerator;
  clock: Clock;
  secrets: SecretBox;
  transports: TransportKinds;
  channels: ChannelKinds;
  log: Logger;
}

export type { Logger };
