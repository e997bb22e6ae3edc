import { For } from 'solid-js';

/** Grey shapes where content is loading, sized like what will replace them. */
export function Skeleton(props: { class?: string }) {
  return <div class={`skeleton ${props.class ?? ''}`} aria-hidden="true" />;
}

export function SkeletonCards(props: { count?: number }) {
  return (
    <For each={Array.from({ length: props.count ?? 8 })}>
      {() => (
        <div class="media-card" aria-hidden="true">
          <Skeleton class="poster" />
          <Skeleton class="line" />
        </div>
      )}
    </For>
  );
}
