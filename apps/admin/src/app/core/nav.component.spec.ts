import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Role } from '@gatehouse/shared/auth';
import { aMe } from '../../testing/factories';
import { SessionService } from '../data-access/session.service';
import { NavComponent } from './nav.component';

async function renderAs(role: Role | null): Promise<string[]> {
  TestBed.configureTestingModule({
    imports: [NavComponent],
    providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()],
  });
  TestBed.inject(SessionService).me.set(role ? aMe(role) : null);
  const fixture = TestBed.createComponent(NavComponent);
  await fixture.whenStable();
  const links = Array.from(
    (fixture.nativeElement as HTMLElement).querySelectorAll<HTMLAnchorElement>('a'),
  );
  return links.map((a) => a.textContent?.trim() ?? '');
}

describe('NavComponent (role-aware navigation)', () => {
  it('shows an admin every page', async () => {
    expect(await renderAs('proxy_admin')).toEqual([
      'Virtual Keys',
      'Usage',
      'Logs',
      'Playground',
      'Internal Users',
      'Teams',
      'Models',
      'Audit log',
      'Settings',
    ]);
  });

  it('shows an admin viewer what it may read, but not model management', async () => {
    expect(await renderAs('proxy_admin_viewer')).toEqual([
      'Virtual Keys',
      'Usage',
      'Logs',
      'Playground',
      'Internal Users',
      'Teams',
      'Audit log',
      'Settings',
    ]);
  });

  it.each<Role>(['internal_user', 'internal_user_viewer'])(
    'shows %s only its keys, its usage, its logs and the playground',
    async (role) => {
      expect(await renderAs(role)).toEqual(['Virtual Keys', 'Usage', 'Logs', 'Playground']);
    },
  );

  it('shows nothing to somebody not signed in', async () => {
    expect(await renderAs(null)).toEqual([]);
  });

  it('follows the session when the user changes', async () => {
    TestBed.configureTestingModule({
      imports: [NavComponent],
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()],
    });
    const session = TestBed.inject(SessionService);
    session.me.set(aMe('internal_user'));
    const fixture = TestBed.createComponent(NavComponent);
    await fixture.whenStable();
    session.me.set(aMe('proxy_admin'));
    fixture.detectChanges();
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelectorAll('a')).toHaveLength(9);
  });
});
