import { ChangeDetectionStrategy, Component, computed, inject, output } from '@angular/core';
import { MatListModule } from '@angular/material/list';
import { RouterLink, RouterLinkActive } from '@angular/router';
import { SessionService } from '../data-access/session.service';
import { NAV_ITEMS } from './nav';

/** The role-aware navigation: a page appears only when the role has its permission. */
@Component({
  selector: 'gh-nav',
  imports: [MatListModule, RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <mat-nav-list aria-label="Main">
      @for (item of items(); track item.path) {
        <a
          mat-list-item
          [routerLink]="item.path"
          routerLinkActive="active-link"
          #rla="routerLinkActive"
          [activated]="rla.isActive"
          [attr.aria-current]="rla.isActive ? 'page' : null"
          (click)="navigated.emit()"
          >{{ item.label }}</a
        >
      }
    </mat-nav-list>
  `,
})
export class NavComponent {
  private readonly session = inject(SessionService);
  readonly navigated = output();
  readonly items = computed(() => {
    this.session.me();
    return NAV_ITEMS.filter((item) => this.session.can(item.permission));
  });
}
