import type { LogLevel } from './config.js';

export type LogFields = Record<string, unknown>;

/**
 * The one call shape of every Sokoul logger, message first: `log.warn('cannot connect', { url })`.
 * Each runtime implements it (console JSON on workerd, pino on Node) with the same JSON lines.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}
