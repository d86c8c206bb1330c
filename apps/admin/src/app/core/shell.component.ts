import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterOutlet } from '@angular/router';
import { map } from 'rxjs';
import { SessionService } from '../data-access/session.service';
import { NavComponent } from './nav.component';
import { NotifyService } from './notify.service';
import { ROLE_TITLES } from './role-labels';

@Component({
  selector: 'gh-shell',
  imports: [
    MatToolbarModule,
    MatSidenavModule,
    MatButtonModule,
    RouterLink,
    RouterOutlet,
    NavComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      height: 100vh;
    }
    mat-toolbar {
      gap: 8px;
      position: sticky;
      top: 0;
      z-index: 2;
    }
    .brand {
      font-weight: 600;
    }
    .spacer {
      flex: 1;
    }
    .who {
      font: var(--mat-sys-body-small);
      text-align: right;
      line-height: 1.2;
      overflow: hidden;
      text-overflow: ellipsis;
      max-width: 40vw;
    }
    mat-sidenav-container {
      flex: 1;
    }
    mat-sidenav {
      width: 220px;
    }
    .skip {
      position: absolute;
      left: -9999px;
    }
    .skip:focus {
      left: 8px;
      top: 8px;
      z-index: 10;
      background: var(--mat-sys-surface);
      padding: 8px;
    }
  `,
  template: `
    <a class="skip" href="#main" (click)="focusMain($event)">Skip to content</a>
    <mat-toolbar color="primary">
      @if (narrow()) {
        <button
          mat-icon-button
          type="button"
          aria-label="Open navigation"
          (click)="sidenav.toggle()"
        >
          ☰
        </button>
      }
      <span class="brand">Gatehouse</span>
      <span class="spacer"></span>
      <span class="who" data-testid="who">
        {{ session.me()?.user_email ?? session.me()?.user_id }}<br />
        <span class="muted">{{ roleLabel() }}</span>
      </span>
      <a mat-button routerLink="/profile" data-testid="profile-link">Profile</a>
      <button mat-stroked-button type="button" (click)="logout()">Log out</button>
    </mat-toolbar>
    <mat-sidenav-container>
      <mat-sidenav #sidenav [mode]="narrow() ? 'over' : 'side'" [opened]="!narrow()">
        <gh-nav (navigated)="narrow() && sidenav.close()" />
      </mat-sidenav>
      <!-- The scrolling region: focusable, so the keyboard can scroll a page without controls. -->
      <mat-sidenav-content tabindex="0">
        <main id="main" tabindex="-1"><router-outlet /></main>
      </mat-sidenav-content>
    </mat-sidenav-container>
  `,
})
export class ShellComponent {
  protected readonly session = inject(SessionService);
  private readonly notify = inject(NotifyService);
  protected readonly narrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 899px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );
  protected readonly roleLabel = computed(() => {
    const role = this.session.role();
    return role ? ROLE_TITLES[role] : '';
  });

  protected focusMain(event: Event): void {
    event.preventDefault();
    document.getElementById('main')?.focus();
  }

  protected async logout(): Promise<void> {
    try {
      const target = await this.session.logout();
      window.location.assign(target);
    } catch (error) {
      this.notify.error(error, 'Logout failed');
    }
  }
}
