import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api) on loopback:
 * `POST|GET /bot<token>/<method>` with JSON, urlencoded or multipart bodies, Telegram's answer
 * envelope (`{ok:true,result}` / `{ok:false,error_code,description,parameters?}`) and the checks
 * Telegram makes that our code could get wrong: parse_mode HTML entities, text and caption
 * lengths, callback_data size, "message is not modified", getUpdates conflicting with a webhook
 * or another poller, an HTTPS webhook URL and the secret token's alphabet.
 *
 * Controls: queued updates (long polling), 429 storms, an outage (connections destroyed), chats
 * that blocked the bot (403). A photo URL on a `.invalid` host is one Telegram cannot fetch (400).
 */

export interface FakeCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
  /** The HTTP status answered (0 when the connection was destroyed). */
  status: number;
}

export interface FakeSent {
  method: string;
  params: Record<string, unknown>;
}

export interface FakeWebhook {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
}

export interface FakeTelegram {
  /** What TELEGRAM_API_ROOT is set to (http://127.0.0.1:port). */
  url: string;
  /** The only token it accepts (others: 401 Unauthorized). */
  token: string;
  bot: { id: number; username: string; first_name: string };
  /** Every call, in arrival order. */
  calls: FakeCall[];
  /** sendMessage/sendPhoto/editMessageText calls to this chat that Telegram accepted, in order. */
  sent(chatId: number): FakeSent[];
  /** The first accepted call (already made or to come) matching `pred`; rejects after `timeoutMs` (10 s). */
  waitFor(pred: (c: FakeSent) => boolean, timeoutMs?: number): Promise<FakeSent>;
  /** Served by getUpdates; `update_id` is assigned when missing. */
  queueUpdate(update: object): void;
  /** The next `count` send/edit/answer calls answer 429 with `retry_after` seconds. */
  rateLimit(count: number, retryAfter: number): void;
  /** While on, every connection is destroyed (a Telegram outage). */
  down(on: boolean): void;
  /** Sends to this chat answer 403 "bot was blocked by the user" from now on. */
  block(chatId: number): void;
  /** setWebhook/deleteWebhook state. */
  webhook: FakeWebhook | null;
  stop(): Promise<void>;
}

export interface FakeTelegramOptions {
  token?: string;
  username?: string;
}

/** The bot the fake is (and the `from` of bot messages in the update builders). */
export const FAKE_BOT_ID = 7_100_000_001;
const DEFAULT_USERNAME = 'sokoul_test_bot';
const FIRST_NAME = 'Sokoul';

const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'editMessageText']);
const LIMITED_METHODS = new Set([...SEND_METHODS, 'answerCallbackQuery']);
const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'tg-emoji',
  'code',
  'pre',
  'blockquote',
]);
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
const NUMERIC_FIELDS = new Set(['chat_id', 'message_id', 'offset', 'limit', 'timeout', 'max_connections']);

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}
const badRequest = (what: string) => new ApiError(400, `Bad Request: ${what}`);

/**
 * Parses Telegram's HTML subset as Telegram does (tags from its list, entities &lt; &gt; &amp;
 * &quot; and numeric ones; any other `<` or `&` is an error) and gives the resulting plain text.
 */
export function parseTelegramHtml(html: string): string {
  let text = '';
  const open: string[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i]!;
    const offset = Buffer.byteLength(html.slice(0, i));
    if (c === '<') {
      const end = html.indexOf('>', i);
      const tag = end < 0 ? null : /^<(\/?)([a-z][a-z-]*)(\s[^>]*)?>$/i.exec(html.slice(i, end + 1));
      if (!tag || !ALLOWED_TAGS.has(tag[2]!.toLowerCase())) {
        const name = end < 0 ? html.slice(i + 1, i + 2) : html.slice(i + 1, end);
        throw badRequest(`can't parse entities: Unsupported start tag "${name}" at byte offset ${offset}`);
      }
      const name = tag[2]!.toLowerCase();
      if (tag[1]) {
        if (open.pop() !== name) {
          throw badRequest(
            `can't parse entities: Unmatched end tag at byte offset ${offset}, expected "</${name}>"`,
          );
        }
      } else open.push(name);
      i = end + 1;
    } else if (c === '&') {
      const entity = /^&(#\d+|#x[0-9a-f]+|[a-z]+);/i.exec(html.slice(i));
      const name = entity?.[1];
      const value = !name
        ? undefined
        : name.startsWith('#x') || name.startsWith('#X')
          ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
          : name.startsWith('#')
            ? String.fromCodePoint(Number.parseInt(name.slice(1), 10))
            : NAMED_ENTITIES[name.toLowerCase()];
      if (!entity || value === undefined) {
        throw badRequest(
          `can't parse entities: Character '&' is reserved and must be escaped at byte offset ${offset}`,
        );
      }
      text += value;
      i += entity[0].length;
    } else if (c === '>') {
      throw badRequest(
        `can't parse entities: Character '>' is reserved and must be escaped at byte offset ${offset}`,
      );
    } else {
      text += c;
      i++;
    }
  }
  if (open.length > 0) {
    throw badRequest(`can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"`);
  }
  return text;
}

// Form bodies carry objects as JSON strings, as Telegram reads them.
const formValue = (value: string): unknown => (/^[[{]/.test(value) ? JSON.parse(value) : value);

/**
 * grammY writes `content-disposition:form-data;name="x"` (no spaces), which undici's FormData
 * refuses although Telegram accepts it: a small parser of our own.
 */
function parseMultipart(body: Buffer, type: string): Record<string, unknown> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!boundary) throw badRequest('invalid form data');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const params: Record<string, unknown> = {};
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) {
      params[name] =
        filename !== undefined
          ? { file: filename, size: content.length }
          : formValue(content.toString('utf8'));
    }
    at = next;
  }
  return params;
}

async function readParams(req: IncomingMessage, query: URLSearchParams): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of query) params[key] = value;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (body.length > 0 && type.includes('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object') Object.assign(params, parsed);
  } else if (body.length > 0 && type.includes('urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = formValue(value);
  } else if (body.length > 0 && type.includes('multipart/form-data')) {
    Object.assign(params, parseMultipart(body, type));
  }
  for (const key of NUMERIC_FIELDS) {
    if (typeof params[key] === 'string' && /^-?\d+$/.test(params[key])) params[key] = Number(params[key]);
  }
  return params;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

interface StoredMessage {
  text: string;
  markup: string;
}

interface PendingPoll {
  offset: number;
  limit: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

let nextUpdateId = 500_000_000 + Math.floor(Math.random() * 1_000_000);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const chatTypeOf = (chatId: number) => (chatId > 0 ? 'private' : 'supergroup');

export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = opts.token ?? `${FAKE_BOT_ID}:AAF${Math.random().toString(36).slice(2)}fake`;
  const bot = { id: FAKE_BOT_ID, username: opts.username ?? DEFAULT_USERNAME, first_name: FIRST_NAME };
  const calls: FakeCall[] = [];
  const waiters: { pred: (c: FakeSent) => boolean; resolve: (c: FakeSent) => void }[] = [];
  const updates: { update_id: number }[] = [];
  const messages = new Map<number, Map<number, StoredMessage>>();
  const lastMessageId = new Map<number, number>();
  const blocked = new Set<number>();
  const sockets = new Set<Socket>();
  let poll: PendingPoll | null = null;
  let limited = 0;
  let retryAfter = 1;
  let isDown = false;

  const botUser = () => ({ id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username });
  const chatOf = (chatId: number) => ({ id: chatId, type: chatTypeOf(chatId) });

  const record = (call: FakeCall) => {
    calls.push(call);
    for (const waiter of [...waiters]) {
      if (waiter.pred(call)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(call);
      }
    }
  };

  const takeUpdates = (offset: number, limit: number) => {
    // Like Telegram: an offset confirms every update before it.
    while (updates.length > 0 && updates[0]!.update_id < offset) updates.shift();
    return updates.slice(0, limit);
  };

  const answerPoll = () => {
    if (!poll) return;
    const { res, timer, offset, limit } = poll;
    poll = null;
    clearTimeout(timer);
    if (!res.destroyed) answer(res, 200, { ok: true, result: takeUpdates(offset, limit) });
  };

  const storeMessage = (chatId: number, text: string, markup: unknown) => {
    const id = (lastMessageId.get(chatId) ?? 0) + 1;
    lastMessageId.set(chatId, id);
    const chat = messages.get(chatId) ?? new Map<number, StoredMessage>();
    messages.set(chatId, chat);
    chat.set(id, { text, markup: JSON.stringify(markup ?? null) });
    return id;
  };

  const checkMarkup = (markup: unknown) => {
    if (!markup || typeof markup !== 'object' || !('inline_keyboard' in markup)) return;
    const rows = (markup as { inline_keyboard: unknown }).inline_keyboard;
    if (!Array.isArray(rows))
      throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
    for (const row of rows) {
      for (const button of row as Record<string, unknown>[]) {
        if (typeof button.text !== 'string' || button.text === '')
          throw badRequest('text buttons are unallowed in the inline keyboard');
        const data = button.callback_data;
        if (data !== undefined && (typeof data !== 'string' || Buffer.byteLength(data) > 64 || data === '')) {
          throw badRequest('BUTTON_DATA_INVALID');
        }
        if (data === undefined && typeof button.url !== 'string') throw badRequest('BUTTON_TYPE_INVALID');
      }
    }
  };

  const formatted = (params: Record<string, unknown>, field: 'text' | 'caption') => {
    const raw = params[field];
    if (raw === undefined || raw === null) return '';
    const value = String(raw);
    return params.parse_mode === 'HTML' ? parseTelegramHtml(value) : value;
  };

  const chatIdOf = (params: Record<string, unknown>) => {
    const id = params.chat_id;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw badRequest('chat not found');
    if (blocked.has(id)) throw new ApiError(403, 'Forbidden: bot was blocked by the user');
    return id;
  };

  const methods: Record<string, (params: Record<string, unknown>, res: ServerResponse) => unknown> = {
    getMe: () => ({
      ...botUser(),
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    }),
    sendMessage: (params) => {
      const chatId = chatIdOf(params);
      const text = formatted(params, 'text');
      if (text.trim() === '') throw badRequest('message text is empty');
      if (text.length > 4096) throw badRequest('message is too long');
      checkMarkup(params.reply_markup);
      const id = storeMessage(chatId, String(params.text), params.reply_markup);
      return { message_id: id, from: botUser(), chat: chatOf(chatId), date: nowSeconds(), text };
    },
    sendPhoto: (params) => {
      const chatId = chatIdOf(params);
      if (params.photo === undefined || params.photo === '')
        throw badRequest('there is no photo in the request');
      // Telegram fetches a URL photo itself: an address it cannot reach fails the call.
      if (typeof params.photo === 'string' && /^https?:\/\/[^/]*\.invalid[:/]/.test(params.photo)) {
        throw badRequest('failed to get HTTP URL content');
      }
      const caption = formatted(params, 'caption');
      if (caption.length > 1024) throw badRequest('message caption is too long');
      checkMarkup(params.reply_markup);
      const id = storeMessage(chatId, String(params.caption ?? ''), params.reply_markup);
      const unique = `AQAD${id}`;
      return {
        message_id: id,
        from: botUser(),
        chat: chatOf(chatId),
        date: nowSeconds(),
        photo: [
          { file_id: `${unique}-s`, file_unique_id: `${unique}s`, width: 90, height: 135, file_size: 4_000 },
          {
            file_id: `${unique}-m`,
            file_unique_id: `${unique}m`,
            width: 500,
            height: 750,
            file_size: 60_000,
          },
        ],
        ...(caption ? { caption } : {}),
      };
    },
    editMessageText: (params) => {
      const chatId = chatIdOf(params);
      const messageId = params.message_id;
      if (typeof messageId !== 'number') throw badRequest('message identifier is not specified');
      const text = formatted(params, 'text');
      if (text.trim() === '') throw badRequest('message text is empty');
      if (text.length > 4096) throw badRequest('message is too long');
      checkMarkup(params.reply_markup);
      const chat = messages.get(chatId) ?? new Map<number, StoredMessage>();
      messages.set(chatId, chat);
      const next = { text: String(params.text), markup: JSON.stringify(params.reply_markup ?? null) };
      const current = chat.get(messageId);
      // Messages the fake never sent (an update a test built by hand) are taken as existing.
      if (current && current.text === next.text && current.markup === next.markup) {
        throw badRequest(
          'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        );
      }
      chat.set(messageId, next);
      return {
        message_id: messageId,
        from: botUser(),
        chat: chatOf(chatId),
        date: nowSeconds(),
        edit_date: nowSeconds(),
        text,
      };
    },
    answerCallbackQuery: (params) => {
      if (typeof params.callback_query_id !== 'string' || params.callback_query_id === '') {
        throw badRequest('query is too old and response timeout expired or query ID is invalid');
      }
      if (params.text !== undefined && String(params.text).length > 200) throw badRequest('MESSAGE_TOO_LONG');
      return true;
    },
    setMyCommands: () => true,
    setWebhook: (params) => {
      const url = String(params.url ?? '');
      if (url === '') {
        fake.webhook = null;
        return true;
      }
      if (!url.startsWith('https://'))
        throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
      const secret = params.secret_token;
      if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(secret))) {
        throw badRequest('secret token contains unallowed characters');
      }
      if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') updates.length = 0;
      fake.webhook = {
        url,
        ...(secret !== undefined ? { secret_token: String(secret) } : {}),
        ...(Array.isArray(params.allowed_updates)
          ? { allowed_updates: params.allowed_updates.map(String) }
          : {}),
      };
      // A pending getUpdates ends with a conflict once a webhook is set.
      if (poll) {
        const { res, timer } = poll;
        poll = null;
        clearTimeout(timer);
        if (!res.destroyed) {
          answer(res, 409, {
            ok: false,
            error_code: 409,
            description: 'Conflict: terminated by setWebhook request',
          });
        }
      }
      return true;
    },
    deleteWebhook: (params) => {
      fake.webhook = null;
      if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') updates.length = 0;
      return true;
    },
    getWebhookInfo: () => ({
      url: fake.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: updates.length,
      ...(fake.webhook?.allowed_updates ? { allowed_updates: fake.webhook.allowed_updates } : {}),
      max_connections: 40,
    }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    let params: Record<string, unknown> = {};
    try {
      params = await readParams(req, url.searchParams);
    } catch {
      params = {};
    }
    const method = match?.[2] ?? url.pathname;
    const at = Date.now();
    if (isDown) {
      record({ method, params, at, status: 0 });
      req.socket.destroy();
      return;
    }
    const fail = (error: ApiError) => {
      record({ method, params, at, status: error.code });
      answer(res, error.code, {
        ok: false,
        error_code: error.code,
        description: error.description,
        ...(error.parameters ? { parameters: error.parameters } : {}),
      });
    };
    if (!match) return fail(new ApiError(404, 'Not Found'));
    if (match[1] !== token) return fail(new ApiError(401, 'Unauthorized'));
    if (method === 'getUpdates') {
      if (fake.webhook) {
        return fail(
          new ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
          ),
        );
      }
      record({ method, params, at, status: 200 });
      if (poll) {
        // Like Telegram: the newer request wins, the older one is terminated.
        const previous = poll;
        poll = null;
        clearTimeout(previous.timer);
        if (!previous.res.destroyed) {
          answer(previous.res, 409, {
            ok: false,
            error_code: 409,
            description:
              'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
          });
        }
      }
      const offset = typeof params.offset === 'number' ? params.offset : 0;
      const limit = typeof params.limit === 'number' ? Math.min(Math.max(params.limit, 1), 100) : 100;
      const timeout = typeof params.timeout === 'number' ? params.timeout : 0;
      const ready = takeUpdates(offset, limit);
      if (ready.length > 0 || timeout <= 0) return answer(res, 200, { ok: true, result: ready });
      const pending: PendingPoll = {
        offset,
        limit,
        res,
        timer: setTimeout(() => {
          if (poll === pending) answerPoll();
        }, timeout * 1000),
      };
      poll = pending;
      res.on('close', () => {
        if (poll === pending) {
          clearTimeout(pending.timer);
          poll = null;
        }
      });
      return;
    }
    const run = methods[method];
    if (!run) return fail(new ApiError(404, 'Not Found: method not found'));
    if (LIMITED_METHODS.has(method) && limited > 0) {
      limited--;
      return fail(
        new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }),
      );
    }
    try {
      const result = run(params, res);
      record({ method, params, at, status: 200 });
      answer(res, 200, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiError) return fail(error);
      throw error;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        answer(res, 500, {
          ok: false,
          error_code: 500,
          description: `Internal Server Error: ${String(error)}`,
        });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (isDown) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const fake: FakeTelegram = {
    url: `http://127.0.0.1:${port}`,
    token,
    bot,
    calls,
    webhook: null,
    sent: (chatId) =>
      calls
        .filter((c) => c.status === 200 && SEND_METHODS.has(c.method) && c.params.chat_id === chatId)
        .map(({ method, params }) => ({ method, params })),
    waitFor: (pred, timeoutMs = 10_000) => {
      const done = calls.find((c) => c.status === 200 && pred(c));
      if (done) return Promise.resolve({ method: done.method, params: done.params });
      return new Promise((resolve, reject) => {
        const waiter = {
          pred: (c: FakeSent) => (c as FakeCall).status === 200 && pred(c),
          resolve: (c: FakeSent) => {
            clearTimeout(timer);
            resolve({ method: c.method, params: c.params });
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const seen = calls.map((c) => `${c.method}(${c.status})`).join(', ');
          reject(
            new Error(`fake Telegram: no matching call within ${timeoutMs} ms; calls: ${seen || 'none'}`),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    queueUpdate: (update) => {
      const withId = update as { update_id?: unknown };
      const stored =
        typeof withId.update_id === 'number'
          ? (update as { update_id: number })
          : { ...update, update_id: nextUpdateId++ };
      updates.push(stored);
      updates.sort((a, b) => a.update_id - b.update_id);
      if (poll) answerPoll();
    },
    rateLimit: (count, seconds) => {
      limited = count;
      retryAfter = seconds;
    },
    down: (on) => {
      isDown = on;
      if (on) {
        poll = null;
        for (const socket of sockets) socket.destroy();
      }
    },
    block: (chatId) => {
      blocked.add(chatId);
    },
    stop: async () => {
      if (poll) clearTimeout(poll.timer);
      poll = null;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

// ---- update payloads, as Telegram sends them (https://core.telegram.org/bots/api#update) ----

type ChatType = 'private' | 'supergroup';

function userOf(id: number, languageCode?: string) {
  return {
    id,
    is_bot: false,
    first_name: `User${id}`,
    username: `user${id}`,
    ...(languageCode ? { language_code: languageCode } : {}),
  };
}

function chatFor(chatId: number, fromId: number, chatType: ChatType) {
  return chatType === 'private'
    ? { id: chatId, type: 'private', first_name: `User${fromId}`, username: `user${fromId}` }
    : { id: chatId, type: 'supergroup', title: `Groupe ${Math.abs(chatId)}` };
}

const BOT_FROM = { id: FAKE_BOT_ID, is_bot: true, first_name: FIRST_NAME, username: DEFAULT_USERNAME };
let nextMessageId = 1_000;

export function commandUpdate(o: {
  chatId: number;
  fromId: number;
  text: string;
  chatType?: ChatType;
  languageCode?: string;
  replyTo?: { messageId: number; fromBot: boolean; text: string };
}): object {
  const chatType = o.chatType ?? (o.chatId > 0 ? 'private' : 'supergroup');
  const chat = chatFor(o.chatId, o.fromId, chatType);
  const command = /^\/\S+/.exec(o.text);
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextMessageId++,
      from: userOf(o.fromId, o.languageCode ?? 'fr'),
      chat,
      date: nowSeconds(),
      text: o.text,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
      ...(o.replyTo
        ? {
            reply_to_message: {
              message_id: o.replyTo.messageId,
              from: o.replyTo.fromBot ? BOT_FROM : userOf(o.fromId),
              chat,
              date: nowSeconds() - 5,
              text: o.replyTo.text,
            },
          }
        : {}),
    },
  };
}

export function callbackUpdate(o: {
  chatId: number;
  fromId: number;
  data: string;
  messageId: number;
  chatType?: ChatType;
}): object {
  const chatType = o.chatType ?? (o.chatId > 0 ? 'private' : 'supergroup');
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: `${o.fromId}${nextMessageId++}`,
      from: userOf(o.fromId, 'fr'),
      message: {
        message_id: o.messageId,
        from: BOT_FROM,
        chat: chatFor(o.chatId, o.fromId, chatType),
        date: nowSeconds() - 5,
        text: '…',
      },
      chat_instance: String(Math.abs(o.chatId) * 7919),
      data: o.data,
    },
  };
}
