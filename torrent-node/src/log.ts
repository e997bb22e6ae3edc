import type { Logger, LogLevel } from '@sokoul/contracts';
import pino from 'pino';

export type { Logger };

/** JSON lines on stdout (pino), behind the message-first shape every Sokoul logger has. */
export function createLogger(level: string, component: string): Logger {
  return wrap(pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.epochTime }));
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (fields) => wrap(p.child(fields)),
    enabled: (level: LogLevel) => p.isLevelEnabled(level),
  };
}
