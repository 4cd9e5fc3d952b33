// Argmin's store as the place the ingestion API writes events to.
import type { Store } from '../attribution/index.js';
import type { EventSink } from './batch-writer.js';

export function storeSink(store: Store): EventSink {
  return {
    insertUsageEvents: (events, origin) => store.insertUsageEvents(events, origin),
    async ping() {
      await store.sql.query('SELECT 1');
    },
  };
}
