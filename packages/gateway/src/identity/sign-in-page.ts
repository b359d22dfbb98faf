// The development tenant's sign-in page: a plain HTML form (no script), its style allowed by hash so the page's
// Content-Security-Policy stays strict. It posts back to `/authorize` with the request's parameters.
import { createHash } from 'node:crypto';

const STYLE = `body{font:16px system-ui,sans-serif;background:#f3f2f1;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:2rem;max-width:22rem;width:100%;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem}input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}
button{margin-top:1.25rem;padding:.5rem 1.5rem;background:#0067b8;color:#fff;border:0;font:inherit;cursor:pointer}
button:focus,input:focus{outline:2px solid #000;outline-offset:2px}.error{color:#a4262c}p.note{color:#444;font-size:.875rem}`;

export const SIGN_IN_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

const FORWARDED = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method'];

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function signInPage(params: URLSearchParams, error: string | undefined): string {
  const hidden = FORWARDED.filter((name) => params.has(name))
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name)!)}">`)
    .join('');
  const username = escapeHtml(params.get('username') ?? params.get('login_hint') ?? '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in to claude-foundry</title><style>${STYLE}</style></head>
<body><main><h1>Sign in</h1>
<p class="note">The claude-foundry development tenant. The admin user's password is in the data folder's admin-user.json.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post">${hidden}
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required value="${username}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>
`;
}
