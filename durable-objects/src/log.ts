import type { LogFields, Logger, LogLevel } from '@sokoul/contracts';

export type { LogFields, Logger };

const ORDER: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 100,
};

/** One JSON object per line on stdout, the same shape torrent-node's pino writes. */
export function createLogger(level: LogLevel, base: LogFields = {}): Logger {
  const threshold = ORDER[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < threshold) return;
    console.log(JSON.stringify({ level: ORDER[lvl], time: Date.now(), ...base, ...fields, msg }));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }),
    enabled: (lvl) => ORDER[lvl] >= threshold,
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
