/** Small building blocks every screen uses: notices, labelled fields, a confirmation dialog, links. */
import type { AnchorHTMLAttributes, ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { navigate } from './router.ts';

/** What a screen shows when a call failed: an owner that is down, or the API's own message. */
export function Problem({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.down) {
    return (
      <div class="notice down" role="alert">
        <strong>{error.owner ? `The ${error.owner} is down.` : 'Down.'}</strong> {what} cannot be shown right now: {error.message}. The rest
        of the console keeps working; try again in a moment.
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="notice error" role="alert">
      {what} could not be loaded: {message}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** A message about a write, announced to screen readers. */
export function Outcome({ ok, children }: { ok: boolean; children: ComponentChildren }) {
  return (
    <p class={`notice ${ok ? 'ok' : 'error'}`} role={ok ? 'status' : 'alert'}>
      {children}
    </p>
  );
}

interface FieldProps {
  id: string;
  label: string;
  /** The API's message about this field, shown under it and tied to it for assistive tech. */
  error?: string | undefined;
  hint?: string;
  children: (describedBy: string | undefined, invalid: boolean) => JSX.Element;
}

export function Field({ id, label, error, hint, children }: FieldProps) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(described, error !== undefined)}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** Which field an API error is about, for forms that show it next to that field. */
export function fieldError(error: unknown, fields: readonly string[]): { field: string | null; message: string } | null {
  if (error === null || error === undefined) return null;
  if (error instanceof ApiError) {
    const field = error.field?.split('.').pop() ?? null;
    return { field: field !== null && fields.includes(field) ? field : null, message: error.message };
  }
  return { field: null, message: String(error) };
}

/** A link inside the console: navigates without reloading the page. */
export function Link({ href, children, ...rest }: { href: string; children: ComponentChildren } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

/**
 * A modal confirmation (`<dialog>`: focus moves into it, Escape cancels, focus returns after).
 * `onConfirm` runs only on the explicit button.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  class: className = 'danger',
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  class?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) dialog.current?.showModal();
  }, [open]);
  return (
    <>
      <button type="button" class={className} onClick={() => setOpen(true)}>
        {label}
      </button>
      {open && (
        <dialog ref={dialog} aria-labelledby="confirm-question" onClose={() => setOpen(false)}>
          <p id="confirm-question">{question}</p>
          <div class="actions">
            <button type="button" autofocus onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button
              type="button"
              class="danger"
              onClick={() => {
                dialog.current?.close();
                onConfirm();
              }}
            >
              {confirmLabel}
            </button>
          </div>
        </dialog>
      )}
    </>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatNumber(n: number): string {
  return n.toLocaleString();
}

export function formatBytes(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 129_600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/**
 * A table with a caption, column headers and a row saying so when there is nothing, in a region
 * that scrolls sideways on a narrow screen (and can be scrolled with the keyboard).
 */
export function DataTable({
  id,
  caption,
  columns,
  empty,
  rows,
  scroll = true,
}: {
  id: string;
  caption: ComponentChildren;
  columns: readonly string[];
  empty: string;
  rows: ComponentChildren[];
  scroll?: boolean;
}) {
  const table = (
    <table id={id} class={scroll ? undefined : 'compact'}>
      <caption id={`${id}-caption`}>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={columns.length}>{empty}</td>
          </tr>
        ) : (
          rows
        )}
      </tbody>
    </table>
  );
  if (!scroll) return table;
  return (
    <div class="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
      {table}
    </div>
  );
}
