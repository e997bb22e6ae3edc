import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import type { SharedConfig } from '@sokoul/contracts';
import { Api, GrammyError, HttpError } from 'grammy';

/**
 * The Bot API client torrent-node talks to Telegram with. `paced` adds what the outbox sender
 * needs: Telegram's limits (about 30 messages a second overall, one a second per chat, 20 a minute
 * per group) and retries of 429 `retry_after` and 5xx answers.
 */
export function botApi(config: Pick<SharedConfig, 'TELEGRAM_API_ROOT'>, token: string, paced = false): Api {
  const api = new Api(token, { apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, '') });
  if (paced) {
    // Bottleneck's reservoir refills in steps (60 could go out in one second across a refill):
    // an even 36 ms between calls (about 28 a second) keeps any one-second window under 30,
    // timer jitter included.
    api.config.use(apiThrottler({ global: { minTime: 36 } }));
    // Installed last, so it runs first: a retried call goes through the throttler again.
    api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true }));
  }
  return api;
}

/** grammY types signals with its abort-controller shim's class; Node's own is the same thing at run time. */
export type BotSignal = NonNullable<Parameters<Api['getMe']>[0]>;
export const botSignal = (signal: AbortSignal): BotSignal => signal as unknown as BotSignal;

/** Exponential back-off with jitter: 1 s, 2 s, 4 s… up to `capMs`. */
export function backoffMs(attempt: number, capMs = 30_000): number {
  const base = Math.min(capMs, 1000 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * What a failed Bot API call says, for logs. The token is in every URL: a network error's own
 * message (which quotes the URL) is left out, only its code is kept.
 */
export function describeTelegramError(error: unknown): Record<string, string | number> {
  if (error instanceof GrammyError) return { errorCode: error.error_code, description: error.description };
  if (error instanceof HttpError) {
    const cause = error.error as { code?: unknown; type?: unknown } | null;
    return { network: error.message, cause: String(cause?.code ?? cause?.type ?? 'unknown') };
  }
  return { error: error instanceof Error ? error.message : String(error) };
}
