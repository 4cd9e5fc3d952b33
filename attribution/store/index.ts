export { Store } from './store.js';
export { connect, type Sql } from './sql.js';
export { migrate } from './migrate.js';
