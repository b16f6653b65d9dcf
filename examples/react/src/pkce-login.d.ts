/**
 * `<pkce-login>` in TSX: its attributes, properties and `on<event>` props, typed from the
 * package's own types. React 19 sets a prop as a property when the element has one
 * (`messages`, `authorizationParams`, `issuer` …), as an attribute otherwise (`client-id`), and
 * adds an event listener for `on` + the exact event name (`onlogin` → `login`).
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { PkceLogin, PkceLoginEventMap } from 'pkce-login';

type EventProps = {
  [K in keyof PkceLoginEventMap as `on${K}`]?: (event: PkceLoginEventMap[K]) => void;
};

interface PkceLoginProps extends DetailedHTMLProps<HTMLAttributes<PkceLogin>, PkceLogin>, EventProps {
  issuer?: string;
  domain?: string;
  'client-id'?: string;
  'redirect-uri'?: string;
  scope?: string;
  audience?: string;
  'post-logout-redirect-uri'?: string;
  session?: 'persistent' | 'memory';
  refresh?: 'on' | 'off';
  'clock-tolerance'?: number | string;
  timeout?: number | string;
  authorizationParams?: PkceLogin['authorizationParams'];
  messages?: PkceLogin['messages'];
}

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'pkce-login': PkceLoginProps;
    }
  }
}
