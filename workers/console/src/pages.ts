/**
 * The one page the worker writes itself: sign-in. It works without JavaScript (a plain form posting
 * to /signin), so a browser that cannot run the UI can still sign in and out. Everything else is the
 * UI's static files.
 */
import { htmlSecurityHeaders, type SecurityConfig } from '../../assets/src/headers.ts';
import type { NoOperator } from './session.ts';

/** Why the sign-in page is shown, in words an operator can act on. */
const REASONS: Record<NoOperator | 'signed-out', string> = {
  missing: '',
  'signed-out': 'You are signed out.',
  expired: 'Your session expired. Sign in again.',
  invalid: 'Your session is not valid any more. Sign in again.',
};

export interface SignInPage {
  mode: 'local' | 'access';
  next: string;
  /** A message about the last attempt (wrong token, missing field), shown as an alert. */
  error?: string;
  reason?: NoOperator | 'signed-out';
  /** Access mode: where Access's own sign-in lives. */
  accessTeam?: string;
}

export function signInHtml(page: SignInPage): string {
  const notice = page.error ?? (page.reason ? REASONS[page.reason] : '');
  const alert = notice ? `<p class="alert" role="alert" id="signin-error">${escapeHtml(notice)}</p>` : '';
  const body =
    page.mode === 'local'
      ? `<form method="post" action="/signin" class="signin">
      <input type="hidden" name="next" value="${escapeHtml(page.next)}">
      <label for="token">Operator token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus${page.error ? ' aria-invalid="true" aria-describedby="signin-error"' : ''}>
      <button type="submit">Sign in</button>
    </form>
    <p class="hint">Local sign-in (<code>npm start</code>): the token is in <code>.dev.vars</code> (<code>CONSOLE_TOKENS</code>).</p>`
      : `<p>This console signs in through Cloudflare Access. Your Access session is missing or has ended.</p>
    <p><a class="button" href="${escapeHtml(page.next)}">Sign in with Cloudflare Access</a></p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Operator console</title>
<link rel="stylesheet" href="/signin.css">
</head>
<body>
<main class="signin-page">
  <h1>Operator console</h1>
  ${alert}
  ${body}
</main>
</body>
</html>
`;
}

export function htmlResponse(status: number, html: string, security: SecurityConfig, headers: Record<string, string> = {}): Response {
  return new Response(html, {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...htmlSecurityHeaders(security, []),
      ...headers,
    },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Where to go after signing in: a path of this console only (no scheme, no host, no `//` or `/\`
 * that a browser would read as another host), else the links screen. Keeps /signin from being an
 * open redirect.
 */
export function safeNext(value: string | null | undefined): string {
  if (!value || value.length > 512 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/links';
  // oxlint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/links';
  const url = URL.parse(value, 'https://console.invalid');
  if (url === null || url.origin !== 'https://console.invalid' || url.pathname.startsWith('/signin')) return '/links';
  return `${url.pathname}${url.search}`;
}
