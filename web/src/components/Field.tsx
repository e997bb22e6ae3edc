import { createSignal, type JSX, Show } from 'solid-js';
import { t } from '../i18n.js';

export function Field(props: { id: string; label: string } & JSX.InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label class="field" for={props.id}>
      <span>{props.label}</span>
      <input {...props} />
    </label>
  );
}

/** The sign-in identifier, identical on the login and sign-up forms (password managers rely on it). */
export function EmailField() {
  return (
    <Field id="email" name="email" type="email" label={t('auth.email')} autocomplete="username" required />
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

/** Runs a form action: busy while it runs, its error (or success message) shown by `FormStatus`. */
export function useAction() {
  const [error, setError] = createSignal<string | null>(null);
  const [done, setDone] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const run = async (action: () => Promise<unknown>, success?: string) => {
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      await action();
      if (success) setDone(success);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return { error, done, busy, run };
}

/** The end of every form: its error or success message, then the submit button. */
export function FormFooter(props: {
  action: ReturnType<typeof useAction>;
  label: string;
  testId?: string;
  disabled?: boolean;
}) {
  return (
    <>
      <ErrorMessage message={props.action.error()} />
      <Show when={props.action.done()}>{(message) => <p class="success">{message()}</p>}</Show>
      <button
        type="submit"
        class="primary"
        data-testid={props.testId}
        disabled={props.action.busy() || props.disabled}
      >
        {props.label}
      </button>
    </>
  );
}
