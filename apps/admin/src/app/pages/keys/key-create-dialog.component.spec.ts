import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import type { GenerateKeyResponse } from '@gatehouse/shared/dto';
import { KeyCreateDialogComponent, type KeyCreateData } from './key-create-dialog.component';

function generated(overrides: Partial<GenerateKeyResponse> = {}): GenerateKeyResponse {
  return {
    key: 'sk-secret-value-1234abcd',
    token: 'tok-1',
    key_name: 'sk-...abcd',
    key_alias: 'laptop',
    expires: null,
    user_id: 'u-1',
    team_id: null,
    models: [],
    max_budget: 5,
    spend: 0,
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    budget_duration: null,
    budget_reset_at: null,
    blocked: false,
    key_type: 'default',
    metadata: {},
    created_at: '2026-11-27T07:00:00.000Z',
    created_by: 'u-1',
    updated_at: '2026-11-27T07:00:00.000Z',
    updated_by: 'u-1',
    ...overrides,
  };
}

describe('KeyCreateDialogComponent', () => {
  let fixture: ComponentFixture<KeyCreateDialogComponent>;
  let http: HttpTestingController;
  let ref: { disableClose: boolean };
  let root: HTMLElement;

  async function setUp(data: KeyCreateData = { models: ['gpt-4o', 'claude-3'] }): Promise<void> {
    ref = { disableClose: false };
    TestBed.configureTestingModule({
      imports: [KeyCreateDialogComponent],
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: MAT_DIALOG_DATA, useValue: data },
        { provide: MatDialogRef, useValue: ref },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(KeyCreateDialogComponent);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  }

  function input(label: string): HTMLInputElement {
    const field = Array.from(root.querySelectorAll('mat-form-field')).find((f) =>
      f.querySelector('mat-label')?.textContent?.includes(label),
    );
    const element = field?.querySelector('input');
    if (!element) throw new Error(`no input labelled ${label}`);
    return element;
  }

  function type(label: string, value: string): void {
    const element = input(label);
    element.value = value;
    element.dispatchEvent(new Event('input'));
  }

  async function submit(): Promise<void> {
    root.querySelector('form')?.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
  }

  /** Lets the awaited HTTP answer reach the signals, then renders. */
  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    fixture.detectChanges();
    await fixture.whenStable();
  }

  afterEach(() => http.verify());

  it('labels every control', async () => {
    await setUp();
    for (const label of [
      'Key alias',
      'Max budget (USD)',
      'Tokens per minute',
      'Requests per minute',
    ]) {
      expect(input(label)).toBeTruthy();
    }
    expect(root.textContent).toContain('Models');
    expect(root.textContent).toContain('Expires after');
  });

  it('refuses to send a key without an alias', async () => {
    await setUp();
    await submit();
    http.expectNone('/key/generate');
    expect(root.querySelector('[role="alert"]')?.textContent).toContain('Give the key an alias');
  });

  it('sends only the filled fields, numbers as numbers', async () => {
    await setUp();
    type('Key alias', '  laptop ');
    type('Max budget (USD)', '12.5');
    type('Requests per minute', '60');
    await submit();
    const request = http.expectOne('/key/generate');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({ key_alias: 'laptop', max_budget: 12.5, rpm_limit: 60 });
    request.flush(generated());
  });

  it('shows the secret once, with a copy button and a clear warning', async () => {
    await setUp();
    type('Key alias', 'laptop');
    await submit();
    http.expectOne('/key/generate').flush(generated());
    await settle();
    expect(root.querySelector('[data-testid="new-key-secret"]')?.textContent).toBe(
      'sk-secret-value-1234abcd',
    );
    expect(root.textContent).toContain("You won't see it again");
    const copy = root.querySelector<HTMLButtonElement>('button[aria-label="Copy secret key"]');
    expect(copy).toBeTruthy();
    // The form is gone and the dialog no longer closes by accident (Escape/backdrop).
    expect(root.querySelector('form')).toBeNull();
    expect(ref.disableClose).toBe(true);
  });

  it('shows curl, Python and Node examples with this origin, the secret and its models', async () => {
    await setUp();
    type('Key alias', 'laptop');
    await submit();
    http.expectOne('/key/generate').flush(generated({ models: ['claude-3'] }));
    await settle();
    const tabs = Array.from(root.querySelectorAll('[role="tab"]')).map((t) =>
      t.textContent?.trim(),
    );
    expect(tabs).toEqual(['curl', 'Python', 'Node.js']);
    const curl = root.querySelector('[data-testid="snippet-curl"]')?.textContent ?? '';
    expect(curl).toContain(`curl ${window.location.origin}/v1/chat/completions`);
    expect(curl).toContain('Bearer sk-secret-value-1234abcd');
    expect(curl).toContain('"model":"claude-3"');
    expect(curl).toContain('Models this key may call: claude-3');
  });

  it('names every model the caller may give when the key has no list', async () => {
    await setUp();
    type('Key alias', 'laptop');
    await submit();
    http.expectOne('/key/generate').flush(generated());
    await settle();
    expect(root.querySelector('[data-testid="snippet-curl"]')?.textContent).toContain(
      'Models this key may call: gpt-4o, claude-3',
    );
  });

  it("shows the API's error message and keeps the form", async () => {
    await setUp();
    type('Key alias', 'laptop');
    await submit();
    http.expectOne('/key/generate').flush(
      {
        error: {
          message: "model 'gpt-5' is not in your allowed models",
          type: 'invalid_request_error',
          param: 'models',
          code: '400',
        },
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle();
    expect(root.querySelector('[data-testid="key-create-error"]')?.textContent).toContain(
      "model 'gpt-5' is not in your allowed models",
    );
    expect(root.querySelector('form')).toBeTruthy();
  });

  it('offers only the models it was given (the caller allow-list)', async () => {
    await setUp({ models: ['only-this-one'] });
    const component = fixture.componentInstance as unknown as { data: KeyCreateData };
    expect(component.data.models).toEqual(['only-this-one']);
  });
});
