import { Subjects, TelegramCall, type TelegramOutboxMessage } from '@sokoul/contracts';
import type { Deps } from '../context.js';

/**
 * Every Bot API call the bot makes is queued here (JetStream, `jobs.telegram`): torrent-node's
 * sender is the only process that talks to Telegram, paced to its limits, so a Telegram outage
 * never holds a webhook or a request. Calls are checked against the contract first: a text over
 * Telegram's limits is a bug here, not a message the sender retries forever.
 */
export async function queue(deps: Deps, call: TelegramCall): Promise<void> {
  const message: TelegramOutboxMessage = {
    id: crypto.randomUUID(),
    call: TelegramCall.parse(call),
    queuedAt: new Date().toISOString(),
  };
  await deps.infra.bus.enqueue(Subjects.telegramOutbox, message, message.id);
}
