import { LowerCasePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { RouterLink } from '@angular/router';
import type { AuditLogEntry } from '@gatehouse/shared/dto';
import { historyQuery } from '../../shared/history-link.component';
import { utcTime } from '../logs/log-view';
import {
  ACTION_LABELS,
  AUTH_METHOD_LABELS,
  diffLines,
  formatValue,
  TABLE_LABELS,
} from './audit-view';

export interface AuditDiffData {
  entry: AuditLogEntry;
  /** Who made the change, as the page shows it (an email where it knows one). */
  actor: string;
}

/**
 * One audit row in a side panel: who, how, when, and its before → after diff. A MatDialog
 * docked to the right, like the logs' panel: focus moves in on open, stays inside while open
 * and returns to the row on close; Escape closes it.
 */
@Component({
  selector: 'gh-audit-diff',
  imports: [LowerCasePipe, MatDialogModule, MatButtonModule, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './audit-diff.component.html',
  styles: `
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 8px 16px;
      margin: 0 0 16px;
    }
    dt {
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    caption {
      text-align: left;
      font: var(--mat-sys-title-small);
      padding: 8px 0;
    }
    th,
    td {
      text-align: left;
      vertical-align: top;
      padding: 6px 8px;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    td {
      font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
      font-size: 0.85em;
      overflow-wrap: anywhere;
      white-space: pre-wrap;
    }
    tr.changed td.before {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    tr.changed td.after {
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
    }
    .links {
      display: flex;
      flex-wrap: wrap;
      gap: 8px 16px;
      margin-top: 16px;
    }
  `,
})
export class AuditDiffComponent {
  private readonly data = inject<AuditDiffData>(MAT_DIALOG_DATA);
  protected readonly entry = this.data.entry;
  protected readonly actor = this.data.actor;
  protected readonly lines = diffLines(this.entry);
  protected readonly action = ACTION_LABELS[this.entry.action] ?? this.entry.action;
  protected readonly table = TABLE_LABELS[this.entry.table_name] ?? this.entry.table_name;
  protected readonly via = AUTH_METHOD_LABELS[this.entry.auth_method] ?? this.entry.auth_method;
  protected readonly time = utcTime(this.entry.updated_at);
  protected readonly history =
    this.entry.object_id === null
      ? null
      : historyQuery(this.entry.table_name, this.entry.object_id);
  /** A key that still exists has a page of its own. */
  protected readonly keyPage =
    this.entry.table_name === 'key' && this.entry.action !== 'deleted'
      ? this.entry.object_id
      : null;
  protected readonly formatValue = formatValue;
}
