import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { RouterLink } from '@angular/router';
import type { SpendLogResponse } from '@gatehouse/shared/dto';
import { usd } from '../../shared/format';
import { formatMs, latencyMs, utcTime } from './log-view';

/**
 * One request log in a side panel (a MatDialog docked to the right, so focus moves in on open,
 * is trapped while open and returns to the row on close; Escape closes it).
 */
@Component({
  selector: 'gh-log-detail',
  imports: [MatDialogModule, MatButtonModule, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './log-detail.component.html',
  styles: `
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 8px 16px;
      margin: 0;
    }
    dt {
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
  `,
})
export class LogDetailComponent {
  protected readonly log = inject<SpendLogResponse>(MAT_DIALOG_DATA);
  protected readonly usd = usd;
  protected readonly utcTime = utcTime;
  protected readonly latency = formatMs(latencyMs(this.log));
}
