/**
 * The UI strings in the built-in languages, and how a language tag picks them.
 *
 * @packageDocumentation
 */

/** The UI strings; any of them can be replaced through the `messages` property. */
export interface PkceLoginMessages {
  /** The Log in button. */
  login: string;
  /** The Log out button. */
  logout: string;
  /** Announced before the user's name when the element becomes signed in ("Signed in as Ada"). */
  signedIn: string;
  /**
   * Shown (and announced) in place of the user's name when the provider tells none: plain OAuth 2
   * (no `openid` scope), where `user` is `{}`.
   */
  signedInNoName: string;
  /** Announced when the element becomes signed out. */
  signedOut: string;
  /** Announced on a failure (the `error` event says which). */
  error: string;
}

/** The built-in languages but English, by primary subtag, in the order of {@link STRINGS}. */
const LANGUAGES = ['fr', 'de', 'es', 'pt', 'ja', 'zh'];

/** Each string in the {@link LANGUAGES}, then in English (the last one). */
const STRINGS: PkceLoginMessages = {
  login: 'Se connecter|Anmelden|Iniciar sesión|Entrar|ログイン|登录|Log in',
  logout: 'Se déconnecter|Abmelden|Cerrar sesión|Sair|ログアウト|退出登录|Log out',
  signedIn: 'Connecté en tant que|Angemeldet als|Sesión iniciada como|Conectado como|ログイン中：|已登录：|Signed in as',
  signedInNoName: 'Connecté|Angemeldet|Sesión iniciada|Conectado|ログイン中|已登录|Signed in',
  signedOut: 'Déconnecté|Abgemeldet|Sesión cerrada|Desconectado|ログアウトしました|已退出登录|Signed out',
  error: 'Échec de la connexion|Anmeldung fehlgeschlagen|Error al iniciar sesión|Falha ao entrar|ログインに失敗しました|登录失败|Sign-in failed',
};

/**
 * The string `key` for a language tag, matched on its primary subtag (`fr-CA` → French, `zh-TW`
 * → Chinese); English for any other language.
 */
export function message(lang: string, key: keyof PkceLoginMessages): string {
  // indexOf is -1 for any other language: the last string, English.
  return STRINGS[key].split('|').at(LANGUAGES.indexOf(lang.split('-')[0]!.toLowerCase()))!;
}
