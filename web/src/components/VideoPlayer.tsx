import type { Video } from '@sokoul/contracts';
import { onCleanup, onMount } from 'solid-js';
import { t } from '../i18n.js';

/** A trailer in a modal dialog: YouTube's privacy-enhanced player; Escape or the button closes it. */
export function VideoPlayer(props: { video: Video; onClose: () => void }) {
  let dialog: HTMLDialogElement | undefined;
  onMount(() => dialog?.showModal());
  onCleanup(() => dialog?.close());
  return (
    // Escape closes a modal dialog natively; the click handler only adds closing on the backdrop.
    // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard users close it with Escape or the button
    <dialog
      ref={dialog}
      class="video-player"
      aria-label={props.video.name}
      data-testid="video-player"
      onClose={() => props.onClose()}
      onClick={(event) => {
        if (event.target === dialog) props.onClose();
      }}
    >
      <div class="video-frame">
        <iframe
          title={props.video.name}
          src={`https://www.youtube-nocookie.com/embed/${encodeURIComponent(props.video.key)}?autoplay=1&rel=0`}
          allow="autoplay; encrypted-media; picture-in-picture; fullscreen"
          allowfullscreen
        />
      </div>
      <div class="video-caption">
        <span>{props.video.name}</span>
        <button type="button" onClick={() => props.onClose()} autofocus>
          {t('catalog.close')}
        </button>
      </div>
    </dialog>
  );
}
