import { createSignal } from 'solid-js';

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
