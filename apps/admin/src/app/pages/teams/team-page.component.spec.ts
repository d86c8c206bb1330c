import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { ActivatedRoute, convertToParamMap, provideRouter } from '@angular/router';
import type { Role } from '@gatehouse/shared/auth';
import { SessionService } from '../../data-access/session.service';
import { aMe, aTeam } from '../../../testing/factories';
import { TeamPageComponent } from './team-page.component';

const members = [
  { user_id: 'u-1', user_email: 'ann@example.test', role: 'admin' as const },
  { user_id: 'u-2', user_email: 'bob@example.test', role: 'user' as const },
];

describe('TeamPageComponent', () => {
  let fixture: ComponentFixture<TeamPageComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(role: Role): Promise<void> {
    TestBed.configureTestingModule({
      imports: [TeamPageComponent],
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        {
          provide: ActivatedRoute,
          useValue: { snapshot: { paramMap: convertToParamMap({ team_id: 't-1' }) } },
        },
      ],
    });
    TestBed.inject(SessionService).me.set(aMe(role));
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(TeamPageComponent);
    root = fixture.nativeElement as HTMLElement;
    http
      .expectOne((r) => r.url === '/team/info' && r.params.get('team_id') === 't-1')
      .flush(aTeam({ members_with_roles: members }));
    await settle();
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      fixture.detectChanges();
      await fixture.whenStable();
    }
  }

  const rows = () =>
    Array.from(root.querySelectorAll('table[aria-label="Team members"] tr[mat-row]')).map((tr) =>
      Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim()),
    );

  afterEach(() => http.verify());

  it('shows the budget, the spend and the members with their team roles', async () => {
    await render('proxy_admin_viewer');
    expect(root.querySelector('h1')?.textContent).toBe('research');
    expect(root.querySelector('[data-testid="team-spend"]')?.textContent?.trim()).toBe('$2.50');
    expect(
      root.querySelector('[data-testid="team-budget"]')?.textContent?.replace(/\s+/g, ' ').trim(),
    ).toBe('$10.00 (25% spent)');
    expect(rows().map((r) => r.slice(0, 2))).toEqual([
      ['ann@example.test', 'Team admin'],
      ['bob@example.test', 'Member'],
    ]);
    // A viewer reads; no form, no Remove.
    expect(root.querySelector('form')).toBeNull();
    expect(root.textContent).not.toContain('Remove');
  });

  it('lets an admin add a member by email, and shows the API refusal next to the form', async () => {
    await render('proxy_admin');
    const email = root.querySelector<HTMLInputElement>('input[type="email"]');
    if (!email) throw new Error('no email field');
    email.value = 'cy@example.test';
    email.dispatchEvent(new Event('input'));
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    const add = http.expectOne('/team/member_add');
    expect(add.request.body).toEqual({
      team_id: 't-1',
      member: { user_email: 'cy@example.test', role: 'user' },
    });
    add.flush(
      aTeam({
        members_with_roles: [
          ...members,
          { user_id: 'u-3', user_email: 'cy@example.test', role: 'user' },
        ],
      }),
    );
    await settle();
    expect(rows().map((r) => r[0])).toContain('cy@example.test');

    email.value = 'nobody@example.test';
    email.dispatchEvent(new Event('input'));
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    http
      .expectOne('/team/member_add')
      .flush(
        { error: { message: 'User not found', param: 'member' } },
        { status: 404, statusText: 'Not Found' },
      );
    await settle();
    expect(root.querySelector('[data-testid="member-error"]')?.textContent?.trim()).toBe(
      'User not found',
    );
  });
});
