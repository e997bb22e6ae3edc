import { createSignal } from 'solid-js';
import { messageOf } from '../components/Field.js';
import { t } from '../i18n.js';

/** A link a notice offers ("see the film"), inside the app. */
export type NoticeLink = { href: string; label: string };
export type Notice = { id: number; text: string; link?: NoticeLink; kind: 'error' | 'info' };

/** Short messages for the user (a change the server refused, a download done), shown for a few seconds. */
const [notices, setNotices] = createSignal<Notice[]>([]);
let next = 0;
const SHOW_MS = 6000;

export function notify(
  text: string,
  options: { link?: NoticeLink; kind?: Notice['kind']; ms?: number } = {},
): void {
  const id = ++next;
  setNotices([...notices(), { id, text, link: options.link, kind: options.kind ?? 'error' }]);
  setTimeout(() => dismiss(id), options.ms ?? SHOW_MS);
}

export function dismiss(id: number): void {
  setNotices(notices().filter((n) => n.id !== id));
}

export { notices };

/** A change the server refused, after the screen was put back as it was. */
export const notifyFailure = (error: unknown) => notify(t('library.failed', { message: messageOf(error) }));
