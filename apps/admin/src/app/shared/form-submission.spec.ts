import { FormControl, FormGroup, Validators } from '@angular/forms';
import { FormSubmission } from './form-submission';

describe('FormSubmission', () => {
  let form: FormGroup<{ name: FormControl<string> }>;
  let sut: FormSubmission;

  beforeEach(() => {
    form = new FormGroup({
      name: new FormControl('', { nonNullable: true, validators: Validators.required }),
    });
    sut = new FormSubmission();
  });

  it('refuses an invalid form with the message, touching every control', async () => {
    const action = jest.fn(() => Promise.resolve());
    await sut.submit(form, 'Give it a name.', action);
    expect(action).not.toHaveBeenCalled();
    expect(sut.error()).toBe('Give it a name.');
    expect(form.controls.name.touched).toBe(true);
    await sut.submit(form, () => 'Computed when refused.', action);
    expect(sut.error()).toBe('Computed when refused.');
  });

  it('runs a valid form busy, clearing the last error', async () => {
    form.setValue({ name: 'laptop' });
    sut.error.set('old');
    let busyDuring = false;
    await sut.submit(form, 'unused', () => {
      busyDuring = sut.busy();
      return Promise.resolve();
    });
    expect(busyDuring).toBe(true);
    expect([sut.busy(), sut.error()]).toEqual([false, null]);
  });

  it("shows the failure's message (the API's own by default)", async () => {
    form.setValue({ name: 'laptop' });
    await sut.submit(form, 'unused', () => Promise.reject(new Error('alias taken')));
    expect([sut.busy(), sut.error()]).toEqual([false, 'alias taken']);
    await sut.submit(
      form,
      'unused',
      () => Promise.reject(new Error('x')),
      () => 'Too many attempts.',
    );
    expect(sut.error()).toBe('Too many attempts.');
  });
});
