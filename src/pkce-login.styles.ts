/**
 * The element's styles. Everything visible is themable through `--pkce-login-*` custom
 * properties and `::part()`; no inline styles anywhere, so the element runs under a strict
 * Content-Security-Policy (lit adopts these as constructed style sheets).
 *
 * @packageDocumentation
 */

import { css } from 'lit';

/** The styles of `<pkce-login>`. */
export const pkceLoginStyles = css`
  :host {
    display: inline-flex;
    align-items: center;
    font-family: var(--pkce-login-font-family, inherit);
    font-size: var(--pkce-login-font-size, 0.9375rem);
    color: var(--pkce-login-color, inherit);
  }

  :host([hidden]) {
    display: none;
  }

  [part~='base'] {
    display: inline-flex;
    align-items: center;
    gap: var(--pkce-login-gap, 0.5em);
  }

  [part~='button'] {
    font: inherit;
    font-weight: 600;
    line-height: 1.2;
    padding: var(--pkce-login-button-padding, 0.55em 1.1em);
    border-radius: var(--pkce-login-radius, 0.5em);
    border: 1px solid var(--pkce-login-button-border-color, transparent);
    background: var(--pkce-login-button-background, #1f5fd1);
    color: var(--pkce-login-button-color, #fff);
    cursor: pointer;
  }

  [part~='button']:hover:not(:disabled) {
    background: var(--pkce-login-button-hover-background, #174aa6);
  }

  [part~='button']:focus-visible {
    outline: 2px solid var(--pkce-login-focus-ring-color, #1f5fd1);
    outline-offset: 2px;
  }

  [part~='button']:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }

  [part~='button'][aria-busy='true'] {
    cursor: progress;
  }

  [part~='logout'] {
    background: var(--pkce-login-logout-background, transparent);
    color: var(--pkce-login-logout-color, inherit);
    border-color: var(--pkce-login-logout-border-color, currentColor);
  }

  [part~='logout']:hover:not(:disabled) {
    background: var(--pkce-login-logout-hover-background, rgba(127, 127, 127, 0.15));
  }

  [part~='avatar'] {
    width: var(--pkce-login-avatar-size, 2em);
    height: var(--pkce-login-avatar-size, 2em);
    border-radius: 50%;
    object-fit: cover;
    flex: none;
  }

  [part~='user'] {
    font-weight: 500;
    max-width: var(--pkce-login-user-max-width, 16em);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
`;
