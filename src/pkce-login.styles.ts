/**
 * The element's styles. Everything visible is themable through `--pkce-login-*` custom
 * properties and `::part()`; no inline styles anywhere, so the element runs under a strict
 * Content-Security-Policy (lit adopts them as a constructed style sheet).
 *
 * Light and dark: `color-scheme: light dark` on the host picks the `light-dark()` defaults from
 * the user's preference; a page fixes one with `pkce-login { color-scheme: dark }`. Both pairs of
 * accent colours have a contrast of at least 4.5:1 (WCAG 2.1 AA).
 *
 * @packageDocumentation
 */

import { css } from 'lit';

/** The styles of `<pkce-login>`. */
export const pkceLoginStyles = css`
  :host {
    color-scheme: light dark;
    font: var(--pkce-login-font, inherit);
    color: var(--pkce-login-color, inherit);
  }
  div {
    display: inline-flex;
    align-items: center;
    gap: var(--pkce-login-gap, 0.5em);
  }
  button {
    font: inherit;
    font-weight: 600;
    padding: var(--pkce-login-padding, 0.5em 1em);
    border-radius: var(--pkce-login-radius, 0.5em);
    border: 1px solid var(--pkce-login-accent, light-dark(#1f5fd1, #8ab4f8));
    background: var(--pkce-login-accent, light-dark(#1f5fd1, #8ab4f8));
    color: var(--pkce-login-on-accent, light-dark(#fff, #0b1d3a));
    cursor: pointer;
  }
  button:enabled:hover {
    filter: brightness(0.9);
  }
  button:focus-visible {
    outline: 2px solid var(--pkce-login-accent, light-dark(#1f5fd1, #8ab4f8));
    outline-offset: 2px;
  }
  button:disabled {
    opacity: 0.6;
  }
  [part~=logout] {
    background: none;
    color: inherit;
    border-color: var(--pkce-login-border, #8888);
  }
  img,
  [part=initials] {
    flex: none;
    width: var(--pkce-login-avatar-size, 2em);
    height: var(--pkce-login-avatar-size, 2em);
    line-height: var(--pkce-login-avatar-size, 2em);
    border-radius: 50%;
    object-fit: cover;
    text-align: center;
    background: var(--pkce-login-accent, light-dark(#1f5fd1, #8ab4f8));
    color: var(--pkce-login-on-accent, light-dark(#fff, #0b1d3a));
  }
  [part=initials] svg {
    display: block;
    width: 100%;
    height: 100%;
    fill: currentColor;
  }
  span {
    font-weight: 500;
    max-width: var(--pkce-login-name-max-width, 16em);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [role=status] {
    /* Visually hidden, still read (overflow and white-space: the span rule above). */
    position: absolute;
    width: 1px;
    height: 1px;
    clip-path: inset(50%);
  }
`;
