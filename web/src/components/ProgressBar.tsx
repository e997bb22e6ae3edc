/** How far something is (a title watched, a download), `share` from 0 to 1. */
export function ProgressBar(props: { share: number; wide?: boolean; label?: string }) {
  const percent = () => Math.round(Math.min(1, Math.max(0, props.share)) * 100);
  return (
    <span
      class="progress"
      classList={{ wide: props.wide }}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent()}
    >
      <span style={{ width: `${percent()}%` }} />
    </span>
  );
}
