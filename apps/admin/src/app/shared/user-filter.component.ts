import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  inject,
  input,
  linkedSignal,
  output,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { UserResponse } from '@gatehouse/shared/dto';
import { UsersService } from '../data-access/users.service';

/** Typing must pause this long before the API is asked: one search per burst of keys. */
export const USER_SEARCH_DEBOUNCE_MS = 200;
const PAGE_SIZE = 20;

/** What the field holds: a chosen user, text being typed (or an id not seen yet), or nothing. */
type Held = UserResponse | string | null;

const shown = (held: Held): string =>
  held === null ? '' : typeof held === 'string' ? held : (held.user_email ?? held.user_id);

/**
 * "User": a combobox that searches `/user/list` by email on the server (the first 20 matches),
 * so any user can be picked however many there are. "All users" (null) always comes first.
 * Emits the chosen user's id; clearing the text and leaving the field emits null.
 */
@Component({
  selector: 'gh-user-filter',
  imports: [FormsModule, MatAutocompleteModule, MatFormFieldModule, MatInputModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <mat-form-field>
      <mat-label>User</mat-label>
      <input
        #field
        matInput
        type="text"
        [matAutocomplete]="panel"
        [ngModel]="held()"
        (ngModelChange)="edited($event)"
        (focus)="focused()"
        (blur)="left(panel.isOpen)"
      />
      <mat-autocomplete
        #panel="matAutocomplete"
        [displayWith]="shown"
        (optionSelected)="choose($event.option.value)"
        (closed)="closed(field)"
      >
        <mat-option [value]="null">All users</mat-option>
        @for (user of users() ?? []; track user.user_id) {
          <mat-option [value]="user">{{ user.user_email ?? user.user_id }}</mat-option>
        } @empty {
          @if (users()) {
            <mat-option disabled>No user matches</mat-option>
          }
        }
      </mat-autocomplete>
    </mat-form-field>
  `,
})
export class UserFilterComponent {
  private readonly usersApi = inject(UsersService);

  /** The user id in force (null: all users), from the page. */
  readonly value = input<string | null>(null);
  readonly userChange = output<string | null>();

  /** Every user a search has returned, by id: names the chosen one when the page echoes it. */
  private readonly seen = new Map<string, UserResponse>();
  private readonly chosen = linkedSignal(() => this.value());
  protected readonly held = linkedSignal<string | null, Held>({
    source: this.value,
    computation: (id, previous) => {
      if (id === null) return null;
      const before = previous?.value;
      if (before && typeof before !== 'string' && before.user_id === id) return before;
      return this.seen.get(id) ?? id;
    },
  });
  /** The latest search's answer; null until one has come back. */
  protected readonly users = signal<UserResponse[] | null>(null);
  protected readonly shown = shown;

  private timer: ReturnType<typeof setTimeout> | undefined;
  private searches = 0;
  private lastQuery: string | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => clearTimeout(this.timer));
  }

  protected edited(held: Held): void {
    this.held.set(held);
    if (typeof held !== 'string') return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.search(held);
    }, USER_SEARCH_DEBOUNCE_MS);
  }

  /** Opening the panel: the first 20 by email, unless the text typed so far was searched. */
  protected focused(): void {
    if (this.timer !== undefined) return; // a search for the typed text is due anyway
    const held = this.held();
    // A chosen user's email in the field is not a search: show the whole list.
    const query = typeof held === 'string' && held !== this.chosen() ? held : '';
    if (this.lastQuery !== query || this.users() === null) void this.search(query);
  }

  protected choose(user: UserResponse | null): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held.set(user);
    this.emit(user?.user_id ?? null);
  }

  /**
   * Clicking an option blurs the field before the option is chosen, so leaving is settled
   * when both have happened: on blur with the panel shut, or on close with the focus gone.
   */
  protected left(panelOpen: boolean): void {
    if (!panelOpen) this.settle();
  }

  protected closed(field: HTMLInputElement): void {
    if (document.activeElement !== field) this.settle();
  }

  /** Left with no text: all users. Left with text not chosen: the field shows the choice again. */
  private settle(): void {
    const held = this.held();
    if (typeof held !== 'string') return;
    if (!held.trim()) {
      this.choose(null);
      return;
    }
    const chosen = this.chosen();
    this.held.set(chosen === null ? null : (this.seen.get(chosen) ?? chosen));
  }

  private emit(id: string | null): void {
    if (id === this.chosen()) return;
    this.chosen.set(id);
    this.userChange.emit(id);
  }

  private async search(text: string): Promise<void> {
    const search = ++this.searches;
    this.lastQuery = text;
    try {
      const answer = await this.usersApi.list({
        user_email: text.trim() || null,
        page_size: PAGE_SIZE,
        sort_by: 'user_email',
        // The API sorts descending unless told: a picker reads A to Z.
        sort_order: 'asc',
      });
      // Answers can overtake each other: only the latest search's is shown.
      if (search !== this.searches) return;
      for (const user of answer.users) this.seen.set(user.user_id, user);
      this.users.set(answer.users);
    } catch {
      // The filter is a convenience: a failed search leaves the last list as it was.
    }
  }
}
