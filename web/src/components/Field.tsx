import { ErrorCode } from '@sokoul/contracts';
import { createSignal, type JSX, Show } from 'solid-js';
import { ApiError } from '../api/client.js';
import { type MessageKey, t } from '../i18n.js';

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

/** Wordings of a code that say more where the action is known (409 on the last admin). */
export type ErrorWordings = Partial<Record<ErrorCode, MessageKey>>;

/**
 * What went wrong, in the user's language, from the API's error code. The server's own text is
 * English and only kept as a detail of validation errors, where it names the field and the rule.
 */
export function messageOf(error: unknown, wordings: ErrorWordings = {}): string {
  if (error instanceof ApiError) {
    const code = ErrorCode.safeParse(error.code);
    if (!code.success) return t('error.unexpected');
    const text = t(wordings[code.data] ?? `error.${code.data}`);
    return code.data === 'validation_failed'
      ? t('error.detail', { message: text, detail: error.message })
      : text;
  }
  // fetch rejects with a TypeError when the server cannot be reached at all.
  if (error instanceof TypeError) return t('error.network');
  return t('error.unexpected');
}

/** Runs a form action: busy while it runs, its error (or success message) shown by `FormStatus`. */
export function useAction(wordings: ErrorWordings = {}) {
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
      setError(messageOf(e, wordings));
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
