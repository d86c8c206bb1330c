import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Role } from '@gatehouse/shared/auth';
import type { ModelInfoResponse, ModelResponse } from '@gatehouse/shared/dto';
import { SessionService } from '../../data-access/session.service';
import { aMe, aModel } from '../../../testing/factories';
import { ModelsComponent } from './models.component';

describe('ModelsComponent', () => {
  let fixture: ComponentFixture<ModelsComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(role: Role, models: ModelResponse[]): Promise<void> {
    TestBed.configureTestingModule({
      imports: [ModelsComponent],
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    TestBed.inject(SessionService).me.set(aMe(role));
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ModelsComponent);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    http.expectOne('/model/info').flush({ data: models } satisfies ModelInfoResponse);
    await settle();
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  function cells(): string[][] {
    return Array.from(root.querySelectorAll('tr.mat-mdc-row')).map((tr) =>
      Array.from(tr.querySelectorAll('td')).map((td) =>
        (td.textContent ?? '').replace(/\s+/g, ' ').trim(),
      ),
    );
  }

  function type(name: string, value: string): void {
    const input = root.querySelector<HTMLInputElement>(`input[formcontrolname="${name}"]`);
    if (!input) throw new Error(`no input ${name}`);
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  afterEach(() => http.verify());

  it('lists what /model/info answers: prices per million and their source, cache, source, masked key', async () => {
    await render('proxy_admin', [
      aModel(),
      aModel({
        cache: true,
        cache_ttl_seconds: 600,
        db_model: false,
        id: 'm-2',
        price_source: 'catalogue',
      }),
    ]);
    expect(cells()).toEqual([
      [
        'gpt-4o',
        'openai/gpt-4o https://api.openai.com/v1',
        'sk-...wxyz',
        '$2.50 / $10.00 set here',
        'Off',
        'Added here',
        '',
        'History',
        'Test Edit Delete',
      ],
      [
        'gpt-4o',
        'openai/gpt-4o https://api.openai.com/v1',
        'sk-...wxyz',
        '$2.50 / $10.00 price list',
        'On (600 s)',
        'Config file',
        '',
        'History',
        'Test',
      ],
    ]);
  });

  function button(label: string): HTMLButtonElement {
    const found = root.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);
    if (!found) throw new Error(`no button ${label}`);
    return found;
  }

  it('Test shows the latency, or the upstream error, in the row', async () => {
    await render('proxy_admin', [aModel(), aModel({ id: 'm-2', db_model: false })]);
    button('Test gpt-4o (m-1)').click();
    await settle();
    expect(root.querySelector('[data-testid="test-result-m-1"]')?.textContent?.trim()).toBe(
      'Testing…',
    );
    const ok = http.expectOne('/model/test');
    expect(ok.request.body).toEqual({ model_id: 'm-1' });
    ok.flush({ ok: true, latency_ms: 42, status: 200, error: null });
    await settle();
    button('Test gpt-4o (m-2)').click();
    http
      .expectOne('/model/test')
      .flush({ ok: false, latency_ms: 7, status: 401, error: 'Upstream error (401): bad key' });
    await settle();
    const text = (id: string) =>
      root.querySelector(`[data-testid="test-result-${id}"]`)?.textContent?.trim();
    expect(text('m-1')).toBe('OK in 42 ms');
    expect(text('m-2')).toBe('Failed after 7 ms: Upstream error (401): bad key');
  });

  it('offers no actions and no test column to viewers', async () => {
    await render('proxy_admin_viewer', [aModel()]);
    expect(root.querySelectorAll('td button')).toHaveLength(0);
    expect(cells()[0]).toEqual([
      'gpt-4o',
      'openai/gpt-4o https://api.openai.com/v1',
      '$2.50 / $10.00 set here',
      'Off',
      'Added here',
      'History',
    ]);
  });

  it('hides the add form and the key column from roles without model.write', async () => {
    await render('internal_user', [aModel()]);
    expect(root.querySelector('form')).toBeNull();
    expect(cells()[0]).toHaveLength(5);
  });

  it('sends POST /model/new with numbers as numbers and the cache flag, then reloads', async () => {
    await render('proxy_admin', []);
    type('model_name', ' cheap ');
    type('model', 'openai/gpt-4o-mini');
    type('api_base', 'http://127.0.0.1:8080/v1');
    type('input_cost', '0.00001');
    root.querySelector<HTMLInputElement>('input[type="checkbox"]')?.click();
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    const create = http.expectOne('/model/new');
    expect(create.request.body).toEqual({
      model_name: 'cheap',
      litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'http://127.0.0.1:8080/v1' },
      model_info: { input_cost_per_token: 0.00001, cache: true },
    });
    create.flush(aModel({ id: 'm-3' }));
    await settle();
    http.expectOne('/model/info').flush({ data: [aModel()] } satisfies ModelInfoResponse);
    await settle();
    expect(cells()).toHaveLength(1);
  });
});
