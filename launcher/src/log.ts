import pino from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stdout, the format of every Sokoul process. */
export function createLogger(level: string, component: string): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.epochTime });
}
