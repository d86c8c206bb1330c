import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { permissionsOf, type Role } from '@gatehouse/shared/auth';
import type { ModelInfoResponse, ModelResponse } from '@gatehouse/shared/dto';
import { SessionService } from '../../data-access/session.service';
import { ModelsComponent } from './models.component';

function model(overrides: Partial<ModelResponse['model_info']> = {}): ModelResponse {
  return {
    model_name: 'gpt-4o',
    litellm_params: {
      model: 'openai/gpt-4o',
      api_base: 'https://api.openai.com/v1',
      api_key: 'sk-...wxyz',
      timeout: null,
      weight: null,
      rpm: null,
      tpm: null,
      api_version: null,
    },
    model_info: {
      id: 'm-1',
      input_cost_per_token: 0.0000025,
      output_cost_per_token: 0.00001,
      cache_read_input_token_cost: null,
      cache_creation_input_token_cost: null,
      price_source: 'model_info',
      base_model: null,
      cache: false,
      cache_ttl_seconds: null,
      db_model: true,
      created_at: '2026-11-27T07:00:00.000Z',
      created_by: 'admin',
      ...overrides,
    },
  };
}

describe('ModelsComponent', () => {
  let fixture: ComponentFixture<ModelsComponent>;
  let http: HttpTestingController;
  let root: HTMLElement;

  async function render(role: Role, models: ModelResponse[]): Promise<void> {
    TestBed.configureTestingModule({
      imports: [ModelsComponent],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    TestBed.inject(SessionService).me.set({
      user_id: `u-${role}`,
      user_email: null,
      user_role: role,
      auth: 'session',
      permissions: permissionsOf(role),
      has_password: true,
    });
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
      Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? ''),
    );
  }

  function type(name: string, value: string): void {
    const input = root.querySelector<HTMLInputElement>(`input[formcontrolname="${name}"]`);
    if (!input) throw new Error(`no input ${name}`);
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  afterEach(() => http.verify());

  it('lists what /model/info answers: prices per million, cache, source, masked key', async () => {
    await render('proxy_admin', [
      model(),
      model({ cache: true, cache_ttl_seconds: 600, db_model: false, id: 'm-2' }),
    ]);
    expect(cells()).toEqual([
      [
        'gpt-4o',
        'openai/gpt-4o',
        'https://api.openai.com/v1',
        'sk-...wxyz',
        '$2.50 / $10.00',
        'Off',
        'Added here',
      ],
      [
        'gpt-4o',
        'openai/gpt-4o',
        'https://api.openai.com/v1',
        'sk-...wxyz',
        '$2.50 / $10.00',
        'On (600 s)',
        'Config file',
      ],
    ]);
  });

  it('hides the add form and the key column from roles without model.write', async () => {
    await render('internal_user', [model()]);
    expect(root.querySelector('form')).toBeNull();
    expect(cells()[0]).toHaveLength(6);
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
    create.flush(model({ id: 'm-3' }));
    await settle();
    http.expectOne('/model/info').flush({ data: [model()] } satisfies ModelInfoResponse);
    await settle();
    expect(cells()).toHaveLength(1);
  });
});
