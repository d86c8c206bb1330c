import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { AuditTableName } from '@gatehouse/shared/dto';
import { SessionService } from '../data-access/session.service';

/** The audit page's query for one object's history (`/ui/audit?table_name=key&object_id=…`). */
export function historyQuery(table: AuditTableName, objectId: string): Record<string, string> {
  return { table_name: table, object_id: objectId };
}

/**
 * A link to one object's changes on the audit page, for roles that may read the audit log
 * (`audit.read`); nothing for everybody else.
 */
@Component({
  selector: 'gh-history-link',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (visible()) {
      <a
        routerLink="/audit"
        [queryParams]="query()"
        [attr.aria-label]="name() ? 'Audit history of ' + name() : null"
        >{{ text() }}</a
      >
    }
  `,
})
export class HistoryLinkComponent {
  private readonly session = inject(SessionService);
  readonly table = input.required<AuditTableName>();
  readonly objectId = input.required<string>();
  /** The object's name, for the link's accessible name in a list ("Audit history of laptop"). */
  readonly name = input<string | null>(null);
  readonly text = input('History');
  protected readonly visible = computed(
    () => this.session.me() !== null && this.session.can('audit.read'),
  );
  protected readonly query = computed(() => historyQuery(this.table(), this.objectId()));
}
