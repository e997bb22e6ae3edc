import { type Image, imageSrcSet, imageUrl } from '@sokoul/contracts';
import { Show } from 'solid-js';

/**
 * A TMDB picture: the browser picks the width from `srcset` for the slot size given in `sizes`,
 * and loads it only when it nears the viewport (except above-the-fold pictures, `eager`).
 */
export function Picture(props: {
  image: Image | null;
  sizes: string;
  alt: string;
  class?: string;
  eager?: boolean;
}) {
  return (
    <Show
      when={props.image}
      fallback={<div class={`picture-missing ${props.class ?? ''}`} role="img" aria-label={props.alt} />}
    >
      {(image) => (
        <img
          class={props.class}
          src={imageUrl(image(), image().widths[Math.min(2, image().widths.length - 1)])}
          srcset={imageSrcSet(image())}
          sizes={props.sizes}
          alt={props.alt}
          loading={props.eager ? 'eager' : 'lazy'}
          fetchpriority={props.eager ? 'high' : 'auto'}
          decoding="async"
        />
      )}
    </Show>
  );
}
