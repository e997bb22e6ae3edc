import { ConfigError, TELEGRAM_ALLOWED_UPDATES, telegramToken } from '@sokoul/contracts';
import { Api, GrammyError } from 'grammy';
import type { ResolvedConfig } from './config.js';
import { loadSecrets, telegramWebhookSecret } from './secrets.js';

export const WEBHOOK_USAGE = 'Usage: sokoul telegram webhook set|delete|info';

/**
 * `sokoul telegram webhook set|delete|info`: points Telegram at `${PUBLIC_URL}/telegram/webhook`
 * with the secret the app checks, removes it (torrent-node then long-polls), or shows what
 * Telegram has. Prints one JSON line; a refusal explains what to set.
 */
export async function telegramWebhook(
  config: ResolvedConfig,
  action: string | undefined,
  print: (line: string) => void,
): Promise<void> {
  if (action !== 'set' && action !== 'delete' && action !== 'info') throw new ConfigError(WEBHOOK_USAGE);
  const token = telegramToken(config);
  if (!token) {
    throw new ConfigError(
      'TELEGRAM_BOT_TOKEN (or TELOXIDE_TOKEN) is not set: create a bot with @BotFather and set its token first',
    );
  }
  const api = new Api(token, { apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, '') });
  try {
    if (action === 'info') {
      print(JSON.stringify(await api.getWebhookInfo()));
      return;
    }
    if (action === 'delete') {
      await api.deleteWebhook();
      print(JSON.stringify({ ok: true, webhook: null }));
      return;
    }
    if (!config.PUBLIC_URL) {
      throw new ConfigError(
        'PUBLIC_URL is not set: a webhook needs the public HTTPS address Telegram reaches Sokoul at (without one, torrent-node long-polls and no webhook is needed)',
      );
    }
    if (!config.PUBLIC_URL.startsWith('https://')) {
      throw new ConfigError(
        `PUBLIC_URL must be an https:// address for a webhook (Telegram refuses others): ${config.PUBLIC_URL}`,
      );
    }
    const url = `${config.PUBLIC_URL.replace(/\/+$/, '')}/telegram/webhook`;
    // The same secret the launcher gives the app, so the webhook route accepts Telegram's calls.
    const signingKey = config.INTERNAL_SIGNING_KEY ?? loadSecrets(config.DATA_DIR).INTERNAL_SIGNING_KEY;
    await api.setWebhook(url, {
      secret_token: telegramWebhookSecret(config.ENV, signingKey),
      allowed_updates: [...TELEGRAM_ALLOWED_UPDATES],
    });
    print(JSON.stringify({ ok: true, webhook: { url, allowedUpdates: TELEGRAM_ALLOWED_UPDATES } }));
  } catch (error) {
    if (error instanceof GrammyError) {
      throw new Error(`Telegram refused ${error.method}: ${error.error_code} ${error.description}`);
    }
    throw error;
  }
}
