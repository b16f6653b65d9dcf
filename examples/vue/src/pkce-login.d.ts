/**
 * `<pkce-login>` in Vue templates, for vue-tsc and editors: its attributes and properties, and
 * its events typed from the package's own `PkceLoginEventMap`, so that `@login="onLogin"` checks
 * the handler against `CustomEvent<LoginEventDetail>`.
 */
import type { DefineComponent } from 'vue';
import type { PkceLogin, PkceLoginEventMap } from 'pkce-login';

// Vue type-checks `:client-id` as `clientId`: the props are the element's properties.
type PkceLoginProps = Partial<Pick<PkceLogin,
  | 'issuer' | 'domain' | 'clientId' | 'redirectUri' | 'scope' | 'audience' | 'postLogoutRedirectUri'
  | 'authorizationEndpoint' | 'tokenEndpoint' | 'userinfoEndpoint' | 'endSessionEndpoint'
  | 'session' | 'refresh' | 'mode' | 'par' | 'clockTolerance' | 'timeout'
  | 'authorizationParams' | 'messages'>> &
{
  [K in keyof PkceLoginEventMap as `on${Capitalize<K>}`]?: (event: PkceLoginEventMap[K]) => void;
};

declare module 'vue' {
  interface GlobalComponents {
    'pkce-login': DefineComponent<PkceLoginProps>;
  }
}
