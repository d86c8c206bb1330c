import { TestKey } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { MatAutocompleteHarness } from '@angular/material/autocomplete/testing';
import type { UserListResponse, UserResponse } from '@gatehouse/shared/dto';
import { aUser } from '../../testing/factories';
import { UsersService, type UserListQuery } from '../data-access/users.service';
import { USER_SEARCH_DEBOUNCE_MS, UserFilterComponent } from './user-filter.component';

/** A page that holds the chosen user and hears every change, as the logs and usage pages do. */
@Component({
  imports: [UserFilterComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<gh-user-filter
    [value]="userId()"
    (userChange)="changes.push($event); userId.set($event)"
  />`,
})
class HostComponent {
  readonly userId = signal<string | null>(null);
  readonly changes: (string | null)[] = [];
}

/** One `/user/list` call, answered (or failed) when the test says. */
interface Call {
  query: UserListQuery;
  answer(users: UserResponse[]): Promise<void>;
  fail(): Promise<void>;
}

const alice = aUser({ user_id: 'u-alice', user_email: 'alice@example.test' });
const adam = aUser({ user_id: 'u-adam', user_email: 'adam@example.test' });
const bob = aUser({ user_id: 'u-bob', user_email: 'bob@example.test' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('UserFilterComponent', () => {
  let fixture: ComponentFixture<HostComponent>;
  let filter: MatAutocompleteHarness;
  let calls: Call[];

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  async function render(): Promise<void> {
    calls = [];
    const list = (query: UserListQuery) =>
      new Promise<UserListResponse>((resolve, reject) => {
        calls.push({
          query,
          answer: async (users) => {
            resolve({ users, total: users.length, page: 1, page_size: 20, total_pages: 1 });
            await settle();
          },
          fail: async () => {
            reject(new Error('down'));
            await settle();
          },
        });
      });
    TestBed.configureTestingModule({
      imports: [HostComponent],
      providers: [{ provide: UsersService, useValue: { list } }],
    });
    fixture = TestBed.createComponent(HostComponent);
    await fixture.whenStable();
    filter = await TestbedHarnessEnvironment.loader(fixture).getHarness(MatAutocompleteHarness);
  }

  /** Types into the field, then waits out the debounce. */
  async function type(text: string): Promise<void> {
    await filter.enterText(text);
    await sleep(USER_SEARCH_DEBOUNCE_MS + 20);
    await settle();
  }

  /** Tab out, as a keyboard user leaves: the panel closes, then the field loses focus. */
  async function leave(): Promise<void> {
    await (await filter.host()).sendKeys(TestKey.TAB);
    await filter.blur();
    await settle();
  }

  const options = async () =>
    Promise.all((await filter.getOptions()).map((option) => option.getText()));
  const changes = () => fixture.componentInstance.changes;
  const last = () => calls[calls.length - 1];

  it('is a combobox named "User" that lists "All users" then the first 20 by email', async () => {
    await render();
    const input = (fixture.nativeElement as HTMLElement).querySelector('input');
    expect(input?.getAttribute('role')).toBe('combobox');
    const label = (fixture.nativeElement as HTMLElement).querySelector('label');
    expect(label?.textContent?.trim()).toBe('User');
    expect(label?.htmlFor).toBe(input?.id);
    // Nothing is asked for until the field is used.
    expect(calls).toEqual([]);

    await filter.focus();
    expect(calls.map((call) => call.query)).toEqual([
      { user_email: null, page_size: 20, sort_by: 'user_email', sort_order: 'asc' },
    ]);
    await last().answer([alice, bob]);
    expect(await options()).toEqual(['All users', 'alice@example.test', 'bob@example.test']);
  });

  it('searches with the typed text, once per pause in typing', async () => {
    await render();
    await filter.focus();
    await last().answer([adam, alice, bob]);
    // Keys a moment apart are one burst: one search, for all of them.
    await filter.enterText('a');
    await sleep(USER_SEARCH_DEBOUNCE_MS / 4);
    await type('li');
    expect(calls.map((call) => call.query.user_email)).toEqual([null, 'ali']);
    expect(calls[1].query).toEqual({
      user_email: 'ali',
      page_size: 20,
      sort_by: 'user_email',
      sort_order: 'asc',
    });
    await last().answer([alice]);
    expect(await options()).toEqual(['All users', 'alice@example.test']);
  });

  it('drops an older answer that arrives after a newer one', async () => {
    await render();
    await filter.focus();
    await last().answer([adam, alice, bob]);
    await type('a');
    await type('l');
    expect(calls.map((call) => call.query.user_email)).toEqual([null, 'a', 'al']);
    await calls[2].answer([alice]);
    await calls[1].answer([adam, alice]);
    expect(await options()).toEqual(['All users', 'alice@example.test']);
  });

  it("emits the chosen user's id and shows its email; All users emits null", async () => {
    await render();
    await filter.focus();
    await last().answer([alice, bob]);
    await filter.selectOption({ text: 'bob@example.test' });
    await settle();
    expect(changes()).toEqual(['u-bob']);
    // The page echoes the id back: the field keeps the email, not the id.
    expect(await filter.getValue()).toBe('bob@example.test');

    await filter.blur();
    await filter.focus();
    await filter.selectOption({ text: 'All users' });
    await settle();
    expect(changes()).toEqual(['u-bob', null]);
    expect(await filter.getValue()).toBe('');
  });

  it('emits null when the text is cleared and the field left', async () => {
    await render();
    await filter.focus();
    await last().answer([alice]);
    await filter.selectOption({ text: 'alice@example.test' });
    await settle();
    await type('x');
    await filter.clear();
    // Still typing: nothing changes until the field is left.
    expect(changes()).toEqual(['u-alice']);
    await leave();
    expect(changes()).toEqual(['u-alice', null]);
  });

  it('puts the chosen email back when left with text that was not chosen', async () => {
    await render();
    await filter.focus();
    await last().answer([alice]);
    await filter.selectOption({ text: 'alice@example.test' });
    await settle();
    await filter.clear();
    await type('bo');
    await leave();
    expect(changes()).toEqual(['u-alice']);
    expect(await filter.getValue()).toBe('alice@example.test');
  });

  it('says "No user matches", not choosable, when nobody matches', async () => {
    await render();
    await filter.focus();
    await last().answer([alice]);
    await type('zed');
    await last().answer([]);
    const found = await filter.getOptions();
    expect(await Promise.all(found.map((option) => option.getText()))).toEqual([
      'All users',
      'No user matches',
    ]);
    expect(await found[1].isDisabled()).toBe(true);
  });

  it('keeps the last list when a search fails, and asks again on the next focus', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      await render();
      await filter.focus();
      await last().fail();
      expect(await options()).toEqual(['All users']);
      await filter.blur();
      await filter.focus();
      await last().answer([alice, bob]);
      await type('bo');
      await last().fail();
      expect(await options()).toEqual(['All users', 'alice@example.test', 'bob@example.test']);
      expect(calls.map((call) => call.query.user_email)).toEqual([null, null, 'bo']);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
