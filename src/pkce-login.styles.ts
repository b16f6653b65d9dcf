/**
 * The element's styles. Everything visible is themable through `--pkce-login-*` custom
 * properties and `::part()`; no inline styles anywhere, so the element runs under a strict
 * Content-Security-Policy (they are adopted as a constructed style sheet).
 *
 * @packageDocumentation
 */

/** The styles of `<pkce-login>`. */
export const pkceLoginStyles = /* css */ `
  :host {
    display: inline-flex;
    align-items: center;
    gap: var(--pkce-login-gap, 0.5em);
    font: var(--pkce-login-font, inherit);
    color: var(--pkce-login-color, inherit);
  }
  :host([hidden]) {
    display: none;
  }
  div {
    display: contents;
  }
  button {
    font: inherit;
    font-weight: 600;
    padding: var(--pkce-login-padding, 0.5em 1em);
    border-radius: var(--pkce-login-radius, 0.5em);
    border: 1px solid var(--pkce-login-accent, #1f5fd1);
    background: var(--pkce-login-accent, #1f5fd1);
    color: var(--pkce-login-on-accent, #fff);
    cursor: pointer;
  }
  button:enabled:hover {
    filter: brightness(0.9);
  }
  button:focus-visible {
    outline: 2px solid var(--pkce-login-accent, #1f5fd1);
    outline-offset: 2px;
  }
  button:disabled {
    opacity: 0.6;
  }
  [part~=logout] {
    background: none;
    color: inherit;
  }
  img {
    width: var(--pkce-login-avatar-size, 2em);
    height: var(--pkce-login-avatar-size, 2em);
    border-radius: 50%;
  }
  span {
    font-weight: 500;
    max-width: var(--pkce-login-name-max-width, 16em);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
`;
