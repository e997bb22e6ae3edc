import { type JSX, Show } from 'solid-js';

export function Field(props: { id: string; label: string } & JSX.InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label class="field" for={props.id}>
      <span>{props.label}</span>
      <input {...props} />
    </label>
  );
}

export function ErrorMessage(props: { message: string | null }) {
  return (
    <Show when={props.message}>
      <p class="error" role="alert" data-testid="form-error">
        {props.message}
      </p>
    </Show>
  );
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
