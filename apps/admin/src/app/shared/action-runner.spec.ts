import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { of } from 'rxjs';
import { NotifyService } from '../core/notify.service';
import { ActionRunner } from './action-runner';
import { ConfirmDialogComponent } from './confirm-dialog.component';

describe('ActionRunner', () => {
  let answer: boolean | undefined;
  let dialog: { open: jest.Mock };
  let notify: { success: jest.Mock; error: jest.Mock };
  let sut: ActionRunner;

  const ask = { title: 'Delete key?', message: 'Gone for good.', confirm: 'Delete', danger: true };

  beforeEach(() => {
    answer = true;
    dialog = { open: jest.fn(() => ({ afterClosed: () => of(answer) })) };
    notify = { success: jest.fn(), error: jest.fn() };
    TestBed.configureTestingModule({
      providers: [
        { provide: MatDialog, useValue: dialog },
        { provide: NotifyService, useValue: notify },
      ],
    });
    sut = TestBed.inject(ActionRunner);
  });

  it('asks first, then runs, toasts the success and goes on with the result', async () => {
    const order: string[] = [];
    const run = jest.fn(() => Promise.resolve('result'));
    notify.success.mockImplementation(() => order.push('toast'));
    const after = jest.fn((result: string) => {
      order.push(`after ${result}`);
    });
    await expect(
      sut.run({ confirm: ask, run, success: 'Key deleted', failure: 'Could not', after }),
    ).resolves.toBe(true);
    expect(dialog.open).toHaveBeenCalledWith(
      ConfirmDialogComponent,
      expect.objectContaining({ data: ask }),
    );
    expect(run).toHaveBeenCalledTimes(1);
    expect(notify.success).toHaveBeenCalledWith('Key deleted');
    expect(order).toEqual(['toast', 'after result']);
  });

  it.each([false, undefined])('runs nothing when the confirmation answers %s', async (value) => {
    answer = value;
    const run = jest.fn(() => Promise.resolve());
    await expect(sut.run({ confirm: ask, run, failure: 'Could not' })).resolves.toBe(false);
    expect(run).not.toHaveBeenCalled();
    expect(notify.success).not.toHaveBeenCalled();
    expect(notify.error).not.toHaveBeenCalled();
  });

  it('runs at once without a confirmation', async () => {
    const run = jest.fn(() => Promise.resolve());
    await expect(sut.run({ run, failure: 'Could not' })).resolves.toBe(true);
    expect(dialog.open).not.toHaveBeenCalled();
    expect(run).toHaveBeenCalledTimes(1);
    expect(notify.success).not.toHaveBeenCalled();
  });

  it('toasts a failure with its prefix and skips the rest', async () => {
    const error = new Error('409');
    const after = jest.fn();
    await expect(
      sut.run({
        run: () => Promise.reject(error),
        success: 'Done',
        failure: 'Could not delete the key',
        after,
      }),
    ).resolves.toBe(false);
    expect(notify.error).toHaveBeenCalledWith(error, 'Could not delete the key');
    expect(notify.success).not.toHaveBeenCalled();
    expect(after).not.toHaveBeenCalled();
  });
});
