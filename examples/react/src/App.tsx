import { useState } from 'react';
import type { ErrorEventDetail, TokenEventDetail, UserClaims } from 'pkce-login';
import type { Settings } from '../../shared/settings.ts';

// An object prop: React 19 passes it to the element as a property, not as a string attribute.
const messages = { login: 'Sign in', logout: 'Sign out' };

export function App({ settings }: { settings: Settings }) {
  const [user, setUser] = useState<UserClaims | null>(null);
  const [token, setToken] = useState<TokenEventDetail | null>(null);
  const [error, setError] = useState<ErrorEventDetail | null>(null);

  return (
    <main>
      <h1>
        <code>&lt;pkce-login&gt;</code> in React
      </h1>
      <pkce-login
        issuer={settings.issuer}
        client-id={settings.clientId}
        messages={messages}
        ontoken={(event) => setToken(event.detail)}
        onlogin={(event) => {
          setUser(event.detail.user);
          setError(null);
        }}
        onlogout={() => {
          setUser(null);
          setToken(null);
        }}
        onerror={(event) => setError(event.detail)}
      />
      <p id="greeting">{user ? `Hello ${user.name ?? user.sub}` : 'Signed out'}</p>
      {token && (
        <p id="token">
          {token.tokenType} access token of {token.accessToken.length} characters, valid until{' '}
          {new Date(token.expiresAt).toLocaleTimeString()}
        </p>
      )}
      {error && (
        <p id="error" role="alert">
          {error.code}: {error.message}
        </p>
      )}
    </main>
  );
}
