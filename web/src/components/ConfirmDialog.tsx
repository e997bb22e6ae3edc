import { createEffect, type JSX, onCleanup } from 'solid-js';

/**
 * A modal "are you sure?": title, text, optional fields (`children`), Cancel focused first and a
 * danger button to confirm. Shown once mounted; closing it (Escape) cancels. `id` prefixes the
 * element ids and test ids (`<id>-dialog`, `<id>-cancel`, `<id>-confirm`).
 */
export function ConfirmDialog(props: {
  id: string;
  title: string;
  text: string;
  cancel: string;
  confirm: string;
  onCancel: () => void;
  onConfirm: () => void;
  children?: JSX.Element;
}) {
  let dialog: HTMLDialogElement | undefined;
  createEffect(() => dialog?.showModal());
  onCleanup(() => dialog?.close());
  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby={`${props.id}-title`}
      aria-describedby={`${props.id}-text`}
      onClose={() => props.onCancel()}
      data-testid={`${props.id}-dialog`}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          props.onConfirm();
        }}
      >
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <p id={`${props.id}-text`}>{props.text}</p>
        {props.children}
        <div class="actions">
          <button type="button" onClick={() => props.onCancel()} autofocus data-testid={`${props.id}-cancel`}>
            {props.cancel}
          </button>
          <button type="submit" class="danger" data-testid={`${props.id}-confirm`}>
            {props.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
