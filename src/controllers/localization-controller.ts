/**
 * The language of the element's UI: the `lang` of the element or of its nearest ancestor that has
 * one, else the document's; any string can be replaced through the host's `messages`.
 *
 * @packageDocumentation
 */

import { isServer, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { message, type PkceLoginMessages } from '../ui/messages.js';

/** What the localization controller needs of its element. */
export type LocalizedHost = ReactiveControllerHost &
  HTMLElement & {
    /** Overrides for any UI string; the others follow the language. */
    messages: Partial<PkceLoginMessages>;
  };

/**
 * Picks the UI's language and strings, and re-renders the host when a `lang` attribute changes
 * anywhere above it in the document (the document's own, or an ancestor's). The element's own
 * `lang` is observed by the element itself, synchronously.
 */
export class LocalizationController implements ReactiveController {
  readonly #host: LocalizedHost;
  #observer: MutationObserver | undefined;

  constructor(host: LocalizedHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    // Server rendering (a renderer that calls connectedCallback): no document to observe.
    if (isServer) return;
    this.#observer ??= new MutationObserver(() => this.#host.requestUpdate());
    // The whole document: the document's `lang` and any ancestor's (a shadow root is not
    // crossed; an element inside one follows the `lang` it finds at its next render).
    this.#observer.observe(document.documentElement, { attributeFilter: ['lang'], subtree: true });
    // Moved under another ancestor, or a `lang` changed while it was out of the document: the
    // language may differ from the last render's.
    this.#host.requestUpdate();
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
  }

  /** The language tag of the UI, as found (`''` when no element says). */
  get lang(): string {
    // Server rendering: no ancestors nor document, only the element's own `lang` (else English).
    if (isServer) return this.#host.getAttribute('lang') ?? '';
    return (this.#host.closest<HTMLElement>('[lang]') ?? document.documentElement).lang;
  }

  /** The UI string `key`: from the host's `messages`, else in the UI's language. */
  message(key: keyof PkceLoginMessages): string {
    return this.#host.messages[key] ?? message(this.lang, key);
  }
}
