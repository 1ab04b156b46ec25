/** The fields of a link, for creating one and for editing one; the API's message shows next to its field. */
import { Field, fieldError, Outcome } from '../components.tsx';

export const STATUSES = [301, 302, 307, 308] as const;
const FIELDS = ['url', 'slug', 'status', 'expiresAt', 'title'] as const;

export interface LinkFields {
  url?: string;
  slug?: string;
  status?: number;
  expiresAt?: string | null;
  title?: string | null;
}

export interface LinkFormProps {
  idPrefix: string;
  /** Creating: a custom slug may be chosen. Editing: the code is fixed. */
  withSlug?: boolean;
  initial?: { url: string; status: number; expiresAt: string | null; title: string | null };
  error: unknown;
  busy: boolean;
  submitLabel: string;
  onSubmit: (fields: LinkFields) => void;
}

/** `2030-01-01T10:00` (a datetime-local value, the browser's time zone) from an ISO instant, and back. */
function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | null {
  if (value === '') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

export function LinkForm({ idPrefix, withSlug = false, initial, error, busy, submitLabel, onSubmit }: LinkFormProps) {
  const problem = fieldError(error, FIELDS);
  const messageFor = (field: string) => (problem?.field === field ? problem.message : undefined);
  const id = (field: string) => `${idPrefix}-${field}`;

  return (
    <form
      class="link-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const text = (name: string) => String(form.get(name) ?? '').trim();
        const fields: LinkFields = {};
        const status = Number(text('status'));
        const expiresAt = fromLocalInput(text('expiresAt'));
        const title = text('title');
        if (initial === undefined) {
          fields.url = text('url');
          if (withSlug && text('slug') !== '') fields.slug = text('slug');
          if (status !== 301) fields.status = status;
          if (expiresAt !== null) fields.expiresAt = expiresAt;
          if (title !== '') fields.title = title;
        } else {
          if (text('url') !== initial.url) fields.url = text('url');
          if (status !== initial.status) fields.status = status;
          if (expiresAt !== (initial.expiresAt === null ? null : new Date(initial.expiresAt).toISOString())) fields.expiresAt = expiresAt;
          if ((title || null) !== initial.title) fields.title = title || null;
        }
        onSubmit(fields);
      }}
    >
      <Field id={id('url')} label="Destination URL" error={messageFor('url')}>
        {(describedBy, invalid) => (
          <input
            id={id('url')}
            name="url"
            type="url"
            inputMode="url"
            required
            defaultValue={initial?.url ?? ''}
            placeholder="https://example.com/page"
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      {withSlug && (
        <Field
          id={id('slug')}
          label="Custom slug (optional)"
          hint="3-64 letters, digits, - or _; empty for a random code"
          error={messageFor('slug')}
        >
          {(describedBy, invalid) => (
            <input id={id('slug')} name="slug" type="text" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} />
          )}
        </Field>
      )}
      <Field id={id('status')} label="Redirect status" error={messageFor('status')}>
        {(describedBy, invalid) => (
          <select
            id={id('status')}
            name="status"
            defaultValue={String(initial?.status ?? 301)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          >
            {STATUSES.map((s) => (
              <option key={s} value={String(s)}>
                {s} {s === 301 || s === 308 ? '(permanent)' : '(temporary)'}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id={id('expiresAt')} label="Expires (optional)" hint="In your time zone; empty never expires" error={messageFor('expiresAt')}>
        {(describedBy, invalid) => (
          <input
            id={id('expiresAt')}
            name="expiresAt"
            type="datetime-local"
            defaultValue={toLocalInput(initial?.expiresAt)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      <Field id={id('title')} label="Title (optional)" error={messageFor('title')}>
        {(describedBy, invalid) => (
          <input
            id={id('title')}
            name="title"
            type="text"
            defaultValue={initial?.title ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      {problem !== null && problem.field === null && <Outcome ok={false}>{problem.message}</Outcome>}
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : submitLabel}
      </button>
    </form>
  );
}
