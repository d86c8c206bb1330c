import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import type { SpendGroup } from '@gatehouse/shared/dto';
import { SpendService } from '../../data-access/spend.service';
import { usd } from '../../shared/format';
import { shortKey } from '../logs/log-view';
import { percent, topBreakdown, type BreakdownRow } from './breakdown';

interface Breakdown {
  group: SpendGroup;
  title: string;
  rows: BreakdownRow[] | null;
  failed: boolean;
}

const TITLES: Record<SpendGroup, string> = {
  model: 'By model',
  key: 'By key',
  user: 'By user',
  team: 'By team',
};

const TOP_N = 10;

/**
 * Top 10 by model, key, user and team for the usage page's period, from
 * `/global/spend/report?group_by=` (the API scopes it: internal users get their own).
 */
@Component({
  selector: 'gh-usage-breakdown',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './usage-breakdown.component.html',
  styles: `
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
      gap: 24px;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    th,
    td {
      text-align: left;
      padding: 6px 8px;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    td.number,
    th.number {
      text-align: right;
    }
  `,
})
export class UsageBreakdownComponent {
  private readonly spend = inject(SpendService);
  /** The period the usage page shows (UTC days, inclusive). */
  readonly range = input.required<{ start: string; end: string } | null>();
  /** Admins and admin viewers: also by user. */
  readonly seesEveryone = input(false);
  protected readonly breakdowns = signal<Breakdown[]>([]);
  protected readonly usd = usd;
  protected readonly percent = percent;
  private loads = 0;

  constructor() {
    effect(() => {
      const range = this.range();
      const groups: SpendGroup[] = this.seesEveryone()
        ? ['model', 'key', 'user', 'team']
        : ['model', 'key', 'team'];
      if (range) void this.load(range, groups);
    });
  }

  private async load(range: { start: string; end: string }, groups: SpendGroup[]): Promise<void> {
    const load = ++this.loads;
    this.breakdowns.set(
      groups.map((group) => ({ group, title: TITLES[group], rows: null, failed: false })),
    );
    const answers = await Promise.allSettled(
      groups.map((group) =>
        this.spend.report({
          start_date: range.start,
          end_date: range.end,
          group_by: group,
          limit: TOP_N,
        }),
      ),
    );
    if (load !== this.loads) return;
    this.breakdowns.set(
      groups.map((group, i) => {
        const answer = answers[i];
        return {
          group,
          title: TITLES[group],
          rows: answer.status === 'fulfilled' ? topBreakdown(answer.value) : [],
          failed: answer.status === 'rejected',
        };
      }),
    );
  }

  protected name(group: SpendGroup, value: string | null): string {
    if (group === 'key') return shortKey(value);
    if (value === null) return group === 'team' ? 'No team' : '—';
    return value;
  }
}
