/**
 * How the signed-in user is shown: the name, the initials in place of a picture, and which
 * `picture` URLs are shown at all. Claims are only ever rendered as text.
 *
 * @packageDocumentation
 */

import type { UserClaims } from '../events.js';

/** The name to show: `name`, else `preferred_username`, `email`, `sub`. Always text. */
export function displayName(user: UserClaims): string {
  for (const claim of ['name', 'preferred_username', 'email', 'sub']) {
    const value = user[claim];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return '';
}

/** The first letters of the first and last words of a name, upper case: `Ada King Lovelace` → `AL`. */
export function initialsOf(name: string): string {
  return (name.match(/^\S|(?<=\s)\S(?=\S*$)/gu) ?? []).join('').toUpperCase();
}

/** The `picture` claim when it is an http(s) or data:image URL; anything else is not shown. */
export function avatarUrl(picture: unknown): string | undefined {
  if (typeof picture !== 'string') return undefined;
  return /^(https?:|data:image\/)/i.test(picture) ? picture : undefined;
}
