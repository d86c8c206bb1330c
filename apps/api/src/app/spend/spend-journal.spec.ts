import { Logger } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeRecord,
  encodeRecord,
  FileSpendJournal,
  JournalLockedError,
  JournalSpendQueue,
  ROTATE_MIN_BYTES,
} from './spend-journal';
import type { SpendEvent, SpendRecord } from './spend-record';

const record = (requestId: string): SpendRecord => ({
  requestId,
  keyToken: 'k1',
  userId: 'u1',
  teamId: 't1',
  model: 'gpt-4o',
  callType: 'chat_completion',
  promptTokens: 10,
  completionTokens: 5,
  spendNanos: 3_000_000_000,
  savedNanos: 0,
  startTimeMs: 1_764_000_000_000,
  endTimeMs: 1_764_000_000_100,
  status: 'success',
  cacheHit: false,
  errorType: null,
  modelId: null,
  attemptedRetries: 0,
  attemptedFallbacks: 0,
});
const spend = (requestId: string): SpendEvent => ({ type: 'spend', record: record(requestId) });
const ids = (events: { event: SpendEvent }[]): string[] =>
  events.map(({ event }) => (event.type === 'spend' ? event.record.requestId : 'reset'));

describe('spend journal records', () => {
  it('round-trip spend and reset events (dates as epoch ms), one line each', () => {
    const reset: SpendEvent = {
      type: 'reset',
      reset: {
        entity: 'key',
        id: 'k1',
        nextResetAt: new Date(1_764_086_400_000),
        endedNanos: 1234,
      },
    };
    for (const event of [spend('r1'), reset]) {
      const line = encodeRecord(event);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(decodeRecord(line.slice(0, -1))).toEqual(event);
    }
  });

  it('refuse a record whose checksum does not match (a changed byte, a cut record)', () => {
    const line = encodeRecord(spend('r1')).slice(0, -1);
    expect(decodeRecord(line.replace('"r1"', '"r2"'))).toBeNull();
    expect(decodeRecord(line.slice(0, line.length - 5))).toBeNull();
    expect(decodeRecord('')).toBeNull();
    expect(decodeRecord('zzzzzzzz{}')).toBeNull();
  });
});

describe('FileSpendJournal (real files)', () => {
  let dir: string;
  let warn: jest.SpyInstance;
  const open = (): FileSpendJournal => new FileSpendJournal({ path: dir, fsync: 'none' });
  const segments = (): string[] =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort();

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'gatehouse-journal-')), 'journal');
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('recovers what an earlier run appended, with where each record ends, in order', () => {
    const first = open();
    const marks = ['a', 'b', 'c'].map((id) => first.append(spend(id)));
    first.close();
    const second = open();
    expect(second.id).toBe(first.id);
    expect(ids(second.recovered)).toEqual(['a', 'b', 'c']);
    expect(second.recovered.map((q) => q.mark)).toEqual(marks);
    // Appends go to a new segment, never after a record a crash may have cut.
    second.append(spend('d'));
    expect(segments()).toEqual(['000000000001.log', '000000000002.log']);
    second.close();
  });

  it('skips a half-written last record (logged), and a corrupt one in the middle, never failing', () => {
    const first = open();
    first.append(spend('a'));
    first.append(spend('b'));
    const end = first.append(spend('c'));
    first.close();
    const file = join(dir, '000000000001.log');
    // The crash came mid-write of "c": its line is cut short, no newline.
    truncateSync(file, (end?.offset ?? 0) - 20);
    const torn = open();
    expect(ids(torn.recovered)).toEqual(['a', 'b']);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/half-written last spend journal record/),
    );
    torn.close();

    // A damaged byte in the middle: that record alone is skipped.
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[0] = lines[0].replace('"a"', '"x"');
    writeFileSync(file, lines.join('\n'));
    appendFileSync(file, '\n');
    const damaged = open();
    expect(ids(damaged.recovered)).toEqual(['b']);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/corrupt spend journal record/));
    damaged.close();
  });

  it('drops segments the mark has passed, and rotates a fully written active segment', () => {
    const first = open();
    first.append(spend('old'));
    first.close();
    const journal = open();
    const queue = new JournalSpendQueue(journal);
    const recovered = queue.recovered();
    expect(ids(recovered)).toEqual(['old']);
    // Enough events for a rotation once all are written.
    let n = 0;
    while (journal.bytes < ROTATE_MIN_BYTES) queue.push(spend(`r${n++}`));
    const half = queue.drain();
    queue.written(half.slice(0, 10));
    // The mark is in segment 2: segment 1 (the earlier run's) is gone, 2 stays.
    expect(segments()).toEqual(['000000000002.log']);
    queue.push(spend('late'));
    queue.written([...half, ...queue.drain()]);
    // Everything written and past the rotation size: a fresh, empty active segment.
    expect(segments()).toEqual(['000000000003.log']);
    expect(journal.bytes).toBe(0);
    queue.push(spend('next'));
    expect(journal.bytes).toBeGreaterThan(0);
    queue.close();
    expect(ids(open().recovered)).toEqual(['next']);
  });

  it('a small, fully written segment stays until it is worth rotating', () => {
    const queue = new JournalSpendQueue(open());
    queue.push(spend('a'));
    queue.written(queue.drain());
    expect(segments()).toEqual(['000000000001.log']);
    queue.close();
  });
});

describe('FileSpendJournal lock', () => {
  let dir: string;
  let child: ChildProcess | null = null;
  const stampOf = (pid: number): string => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-journal-lock-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second journal on the same directory in this process, with one clear line', () => {
    const journal = new FileSpendJournal({ path: dir, fsync: 'none' });
    expect(() => new FileSpendJournal({ path: dir, fsync: 'none' })).toThrow(
      new JournalLockedError(
        `SPEND_JOURNAL_PATH ${dir} is in use by this process: give each instance its own`,
      ),
    );
    journal.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    new FileSpendJournal({ path: dir, fsync: 'none' }).close();
  });

  it('refuses a directory another live process holds, and takes over one a dead process left', async () => {
    child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((resolve) => child?.once('spawn', resolve));
    const pid = child.pid ?? 0;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lock'), stampOf(pid));
    expect(() => new FileSpendJournal({ path: dir, fsync: 'none' })).toThrow(
      `SPEND_JOURNAL_PATH ${dir} is in use by process ${pid}: give each instance its own`,
    );
    // SIGKILL: the lock file stays behind, its holder is gone.
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = null;
    const journal = new FileSpendJournal({ path: dir, fsync: 'none' });
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(stampOf(process.pid));
    journal.close();
  });
});
