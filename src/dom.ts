/**
 * Building DOM without HTML parsing: elements are created and filled through `createElement`,
 * `setAttribute` and text nodes, so no string ever becomes markup (no injection, and nothing for
 * a Trusted Types policy to approve).
 *
 * @packageDocumentation
 */

/** Creates `<tag>` with the given attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string>,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}
