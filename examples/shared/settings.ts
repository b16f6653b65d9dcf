/**
 * Which provider the React, Vue and Angular examples sign in to. A real app writes its issuer and client id here as constants;
 * this example also takes them from the address bar (`?issuer=…&client_id=…`, as the demo site's
 * links pass them) and keeps them in this tab's sessionStorage for the trip to the provider and
 * back. Default: the local provider that `npm start` runs.
 */
export interface Settings {
  issuer: string;
  clientId: string;
}

const KEY = 'pkce-login-example:settings';
const LOCAL_PROVIDER: Settings = { issuer: 'http://127.0.0.1:8401', clientId: 'pkce-login-demo' };

export function readSettings(): Settings {
  const query = new URLSearchParams(location.search);
  const issuer = query.get('issuer');
  if (issuer) {
    const settings = { issuer, clientId: query.get('client_id') ?? LOCAL_PROVIDER.clientId };
    sessionStorage.setItem(KEY, JSON.stringify(settings));
    return settings;
  }
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Settings> | null;
    if (typeof stored?.issuer === 'string' && typeof stored.clientId === 'string') {
      return { issuer: stored.issuer, clientId: stored.clientId };
    }
  } catch {
    // unreadable: fall back to the local provider
  }
  return LOCAL_PROVIDER;
}
