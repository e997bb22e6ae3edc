import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { component: 'torrent-node' }, timestamp: pino.stdTimeFunctions.epochTime });
}
