import { A } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { dismiss, notices } from '../stores/notices.js';

export function Notices() {
  return (
    <div class="notices" role="status" aria-live="polite">
      <For each={notices()}>
        {(notice) => (
          <p class="toast" classList={{ info: notice.kind === 'info' }} data-testid="toast">
            {notice.text}
            <Show when={notice.link}>
              {(link) => (
                <>
                  {' '}
                  <A href={link().href} onClick={() => dismiss(notice.id)} data-testid="toast-link">
                    {link().label}
                  </A>
                </>
              )}
            </Show>
          </p>
        )}
      </For>
    </div>
  );
}
