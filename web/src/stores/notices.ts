import { createSignal } from 'solid-js';
import { messageOf } from '../components/Field.js';
import { t } from '../i18n.js';

/** Short messages for the user (a change the server refused), shown for a few seconds. */
const [notices, setNotices] = createSignal<{ id: number; text: string }[]>([]);
let next = 0;
const SHOW_MS = 6000;

export function notify(text: string): void {
  const id = ++next;
  setNotices([...notices(), { id, text }]);
  setTimeout(() => setNotices(notices().filter((n) => n.id !== id)), SHOW_MS);
}

export { notices };

/** A change the server refused, after the screen was put back as it was. */
export const notifyFailure = (error: unknown) => notify(t('library.failed', { message: messageOf(error) }));
