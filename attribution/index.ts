export * from './model.js';
export * from './resources.js';
export * from './event-schema.js';
export * from './cluster-state.js';
export { Store, connect, migrate, type Sql } from './store/index.js';
