/**
 * A minimal base for a custom element: kebab-case attributes mirrored into camelCase properties,
 * one batched render per microtask into an open shadow root, and a constructed style sheet.
 *
 * It covers what `<pkce-login>` needs of LitElement and lit-html at a tenth of their size; see
 * the README's "Size" section for the measurement behind the choice.
 *
 * Safe to import without a DOM (server rendering): the class extends a stand-in there.
 *
 * @packageDocumentation
 */

const HTMLElementOrStandIn: typeof HTMLElement = globalThis.HTMLElement ?? (class {} as typeof HTMLElement);

/** `clientId` → `client-id`. */
function attributeName(property: string): string {
  return property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** How a property is mirrored from its attribute. */
export type PropertyKind = 'string' | 'boolean' | 'object';

/**
 * Base class: subclasses list their properties in `static properties`, implement `render()`, and
 * call `__requestRender()` when private state changes. Setting a listed property, or the `lang`
 * attribute, re-renders.
 */
export abstract class ElementBase extends HTMLElementOrStandIn {
  /** Properties by name: `string` and `boolean` ones have a kebab-case attribute, `object` ones none. */
  static properties: Record<string, PropertyKind> = {};
  /** The element's CSS, adopted into its shadow root. */
  static styles = '';
  private static __sheet?: CSSStyleSheet;

  /** Read by `customElements.define`: the accessors are defined then. */
  static get observedAttributes(): string[] {
    this.__finalize();
    return [
      ...Object.keys(this.properties)
        .filter((name) => this.properties[name] !== 'object')
        .map(attributeName),
      // The UI's language: a render reads it (the native `lang` property stays as it is).
      'lang',
    ];
  }

  /** Defines the accessors of `static properties` on this class's prototype. */
  protected static __finalize(): void {
    for (const name of Object.keys(this.properties)) {
      Object.defineProperty(this.prototype, name, {
        get(this: ElementBase) {
          return this.__values[name];
        },
        set(this: ElementBase, value: unknown) {
          if (this.__values[name] === value) return;
          this.__values[name] = value;
          this.__propertyChanged(name);
          this.__requestRender();
        },
        configurable: true,
      });
    }
  }

  private __values: Record<string, unknown> = {};
  private __rendering: Promise<void> | undefined;

  constructor() {
    super();
    // A framework may have set properties before the element was upgraded: route them through
    // the accessors.
    for (const name of Object.keys((this.constructor as typeof ElementBase).properties)) {
      if (Object.hasOwn(this, name)) {
        const value = (this as unknown as Record<string, unknown>)[name];
        delete (this as unknown as Record<string, unknown>)[name];
        (this as unknown as Record<string, unknown>)[name] = value;
      }
    }
  }

  connectedCallback(): void {
    if (!this.shadowRoot) {
      const base = this.constructor as typeof ElementBase;
      const sheet = (base.__sheet ??= new CSSStyleSheet());
      if (!sheet.cssRules.length) sheet.replaceSync(base.styles);
      this.attachShadow({ mode: 'open' }).adoptedStyleSheets = [sheet];
    }
    this.__requestRender();
  }

  attributeChangedCallback(attribute: string, _old: string | null, value: string | null): void {
    const name = attribute.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const kind = (this.constructor as typeof ElementBase).properties[name];
    if (!kind) return this.__requestRender();
    (this as unknown as Record<string, unknown>)[name] = kind === 'boolean' ? value !== null : (value ?? undefined);
  }

  /** Resolves after the pending render, if any. */
  get updateComplete(): Promise<void> {
    return this.__rendering ?? Promise.resolve();
  }

  /** Schedules one render for the end of the current task. */
  protected __requestRender(): void {
    this.__rendering ??= Promise.resolve().then(() => {
      this.__rendering = undefined;
      if (this.shadowRoot) this.render(this.shadowRoot);
    });
  }

  /** Called whenever a listed property changes, before the render it triggers. */
  protected __propertyChanged(_name: string): void {}

  /** Brings the shadow root's content up to date with the element's state. */
  protected abstract render(root: ShadowRoot): void;
}
