import { For } from 'solid-js';
import { notices } from '../stores/notices.js';

export function Notices() {
  return (
    <div class="notices" role="status" aria-live="polite">
      <For each={notices()}>
        {(notice) => (
          <p class="toast" data-testid="toast">
            {notice.text}
          </p>
        )}
      </For>
    </div>
  );
}
