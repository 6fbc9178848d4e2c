/** The watcher logs through the shared JSON-lines logger (src/observe/log.ts). */
export * from '../observe/log';
