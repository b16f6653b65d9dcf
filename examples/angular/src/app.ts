import { CUSTOM_ELEMENTS_SCHEMA, Component, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import type { PkceLoginEventMap, ErrorEventDetail, TokenEventDetail, UserClaims } from 'pkce-login';
import { readSettings } from '../../shared/settings.ts';

@Component({
  selector: 'app-root',
  // <pkce-login> is a custom element, not an Angular component: the schema lets the template use
  // it, bind its properties ([messages]) and attributes ([attr.client-id]) and listen to its
  // events ((login)). With strictTemplates, `$event` is typed from the element's own
  // addEventListener overloads: `(login)` hands a CustomEvent<LoginEventDetail>.
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  imports: [DatePipe],
  template: `
    <main>
      <h1><code>&lt;pkce-login&gt;</code> in Angular</h1>
      <pkce-login
        [attr.issuer]="settings.issuer"
        [attr.client-id]="settings.clientId"
        [messages]="messages"
        (token)="onToken($event)"
        (login)="onLogin($event)"
        (logout)="onLogout()"
        (error)="onError($event)"
      ></pkce-login>
      <p id="greeting">{{ user() ? 'Hello ' + (user()!.name ?? user()!.sub) : 'Signed out' }}</p>
      @if (token(); as token) {
        <p id="token">
          {{ token.tokenType }} access token of {{ token.accessToken.length }} characters, valid until
          {{ token.expiresAt | date: 'mediumTime' }}
        </p>
      }
      @if (error(); as error) {
        <p id="error" role="alert">{{ error.code }}: {{ error.message }}</p>
      }
    </main>
  `,
})
export class App {
  protected readonly settings = readSettings();
  // An object: bound as a property of the element.
  protected readonly messages = { login: 'Sign in', logout: 'Sign out' };

  protected readonly user = signal<UserClaims | null>(null);
  protected readonly token = signal<TokenEventDetail | null>(null);
  protected readonly error = signal<ErrorEventDetail | null>(null);

  protected onToken(event: PkceLoginEventMap['token']): void {
    this.token.set(event.detail);
  }

  protected onLogin(event: PkceLoginEventMap['login']): void {
    this.user.set(event.detail.user);
    this.error.set(null);
  }

  protected onLogout(): void {
    this.user.set(null);
    this.token.set(null);
  }

  protected onError(event: PkceLoginEventMap['error']): void {
    this.error.set(event.detail);
  }
}
