export { Store } from './store.js';
export {
  CostDelivery,
  LATE_GRACE_DAYS,
  type DeliverySwap,
  type DuplicateLine,
} from './cost-staging.js';
export { connect, type Sql } from './sql.js';
export { migrate } from './migrate.js';
