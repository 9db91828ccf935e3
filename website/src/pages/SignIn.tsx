import { useState, type FormEvent } from 'react';
import { api, ApiError, session } from '../api';

/**
 * Sign in: a member asks for a one-time link by email (the link sets an HttpOnly session cookie);
 * admins may paste an API token (ADMIN_TOKEN or an API key), checked against the API before it is kept.
 */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/workflows', { token: token.trim() });
      session.signIn(token.trim());
      onSignedIn();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That token is not valid.'
          : `Could not reach the API: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Baton</h1>
        <EmailLinkForm />
        <p className="muted">
          Or sign in with an API token. Locally it is <code>ADMIN_TOKEN</code> in <code>.dev.vars</code>.
        </p>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}

/** Asks for a sign-in link by email (`POST /auth/sign-in`); the answer is the same for any address. */
function EmailLinkForm() {
  const [email, setEmail] = useState('');
  const [state, setState] = useState<'idle' | 'busy' | 'sent' | 'failed'>('idle');
  const send = async () => {
    setState('busy');
    try {
      const res = await fetch('/auth/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: email.trim() }),
      });
      setState(res.ok ? 'sent' : 'failed');
    } catch {
      setState('failed');
    }
  };
  return (
    <fieldset className="email-link">
      <legend>Members</legend>
      <label htmlFor="email">Your email</label>
      <input
        id="email"
        type="email"
        autoComplete="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void send();
          }
        }}
      />
      <button type="button" onClick={() => void send()} disabled={state === 'busy' || !email.includes('@')}>
        Email me a sign-in link
      </button>
      {state === 'sent' && (
        <p role="status">If this address is a member, a link is on its way. It works once, for 15 minutes.</p>
      )}
      {state === 'failed' && (
        <p role="alert" className="error">
          Could not ask for a link. Check the address and try again.
        </p>
      )}
    </fieldset>
  );
}
