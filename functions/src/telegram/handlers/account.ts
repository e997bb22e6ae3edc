import { consumeLinkCode, findLinkedAccount, linkChat } from '@sokoul/db';
import { type Session, send } from '../chat.js';
import { LINK_CODE, linkCodeHash } from '../service.js';
import { TEXTS } from '../texts.js';

/** /start and /help: linking a chat to an account with a one-time code, and what a chat can do. */

interface Who {
  username?: string | undefined;
  first_name: string;
  last_name?: string | undefined;
}

/** What Settings shows for the link: the group's title, else @username or the person's name. */
const titleOf = (s: Session, from: Who, chatTitle: string | undefined) =>
  s.chatType === 'private' || !chatTitle
    ? from.username
      ? `@${from.username}`
      : [from.first_name, from.last_name].filter(Boolean).join(' ')
    : chatTitle;

/**
 * `/start <code>` links this Telegram user in this chat to the code's account (a used, expired or
 * unknown code is refused the same way); `/start` alone welcomes and says how to link.
 */
export async function start(s: Session, payload: string, from: Who, chatTitle: string | undefined) {
  const code = payload.trim();
  if (!code) {
    if (!s.account) return send(s, s.t.welcome);
    return send(s, s.account.disabled ? s.t.disabled : s.t.alreadyLinked(s.account.link.userName));
  }
  const { db } = s.deps.infra;
  const userId = LINK_CODE.test(code) ? await consumeLinkCode(db, await linkCodeHash(code)) : null;
  if (!userId) return send(s, s.t.badCode);
  await linkChat(db, {
    userId,
    chatId: s.chatId,
    telegramUserId: s.telegramUserId,
    chatType: s.chatType,
    chatTitle: titleOf(s, from, chatTitle),
    username: from.username ?? null,
  });
  const account = await findLinkedAccount(db, s.chatId, s.telegramUserId);
  if (!account) throw new Error('telegram: the link just made is missing');
  s.deps.log.info('telegram chat linked', { userId, chatId: s.chatId, chatType: s.chatType });
  // From now on the chat speaks the account's language.
  const t = TEXTS[account.locale];
  await send(
    { ...s, locale: account.locale, t, account },
    account.disabled ? t.disabled : t.linked(account.link.userName),
  );
}

export function help(s: Session) {
  const linked = s.account !== null && !s.account.disabled;
  return send(
    s,
    s.t.help({
      linked,
      admin: linked && s.account?.role === 'admin',
      group: s.chatType !== 'private',
    }),
  );
}
