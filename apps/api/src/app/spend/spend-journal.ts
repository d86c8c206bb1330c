import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SpendJournalConfig } from '../config/app-config';
import { InMemorySpendQueue, type JournalMark, type QueuedEvent } from './spend-queue';
import type { CounterEntity, SpendEvent, SpendRecord } from './spend-record';

/** A segment grows to this size, then the journal opens the next one. */
export const SEGMENT_MAX_BYTES = 16 * 1024 * 1024;
/** A fully written segment at least this big is replaced by an empty one. */
export const ROTATE_MIN_BYTES = 1024 * 1024;
/** Past this the journal says so: the writer cannot keep up (the database fails its flushes). */
export const JOURNAL_WARN_BYTES = 256 * 1024 * 1024;
export const FSYNC_INTERVAL_MS = 100;

const SEGMENT_PATTERN = /^(\d{12})\.log$/;
const segmentName = (seq: number): string => `${String(seq).padStart(12, '0')}.log`;

/** The journal's form of an event: dates as epoch ms, nothing else changed. */
type EncodedEvent =
  | { type: 'spend'; record: SpendRecord }
  | {
      type: 'reset';
      reset: { entity: CounterEntity; id: string; nextResetAt: number | null; endedNanos?: number };
    };

/**
 * One record: 8 hex digits of the CRC32 of the JSON that follows, then the JSON, then a
 * newline. A record cut short by a crash (or damaged on disk) fails its checksum.
 */
export function encodeRecord(event: SpendEvent): string {
  const encoded: EncodedEvent =
    event.type === 'spend'
      ? event
      : {
          type: 'reset',
          reset: { ...event.reset, nextResetAt: event.reset.nextResetAt?.getTime() ?? null },
        };
  const json = JSON.stringify(encoded);
  return `${crc32(json).toString(16).padStart(8, '0')}${json}\n`;
}

/** The event of one record's line (without its newline), or null if it fails its checksum. */
export function decodeRecord(line: string): SpendEvent | null {
  if (line.length < 10) return null;
  const json = line.slice(8);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return null;
  let parsed: EncodedEvent;
  try {
    parsed = JSON.parse(json) as EncodedEvent;
  } catch {
    return null;
  }
  if (parsed.type === 'spend' && typeof parsed.record?.requestId === 'string') return parsed;
  if (parsed.type === 'reset' && typeof parsed.reset?.id === 'string') {
    const at = parsed.reset.nextResetAt;
    return {
      type: 'reset',
      reset: {
        ...parsed.reset,
        nextResetAt: at === null ? null : new Date(at),
        endedNanos: typeof parsed.reset.endedNanos === 'number' ? parsed.reset.endedNanos : 0,
      },
    };
  }
  return null;
}

/** What one segment file held: its good records (with where each ends) and what was skipped. */
export interface SegmentRead {
  events: { event: SpendEvent; offset: number }[];
  /** Byte offsets of records that failed their checksum. */
  corrupt: number[];
  /** The last record had no newline: a write cut short by a crash. */
  tornTail: boolean;
}

export function readSegment(data: Buffer): SegmentRead {
  const read: SegmentRead = { events: [], corrupt: [], tornTail: false };
  let start = 0;
  while (start < data.length) {
    const newline = data.indexOf(10, start);
    if (newline === -1) {
      read.tornTail = true;
      break;
    }
    const event = decodeRecord(data.toString('utf8', start, newline));
    if (event) read.events.push({ event, offset: newline + 1 });
    else read.corrupt.push(start);
    start = newline + 1;
  }
  return read;
}

/** `<pid> <start time>`: the start time tells a live holder from a new process with its pid. */
function processStamp(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return null;
  }
}

function alive(stamp: string): boolean {
  const pid = Number(stamp.split(' ')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  if (process.platform === 'linux') return processStamp(pid) === stamp;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class JournalLockedError extends Error {}

/**
 * An exclusive lock on the journal directory: a `lock` file created exclusively, holding the
 * owner's pid and start time. A lock left by a killed process is taken over; one held by a
 * live process refuses the start with one line (two writers would corrupt the journal).
 */
/** Journal directories locked by this process (two apps in one process: the tests). */
const lockedHere = new Set<string>();

function lock(dir: string): () => void {
  if (lockedHere.has(dir)) {
    throw new JournalLockedError(
      `SPEND_JOURNAL_PATH ${dir} is in use by this process: give each instance its own`,
    );
  }
  const release = lockFile(dir);
  lockedHere.add(dir);
  return () => {
    lockedHere.delete(dir);
    release();
  };
}

function lockFile(dir: string): () => void {
  const path = join(dir, 'lock');
  const mine = processStamp(process.pid) ?? `${process.pid} 0`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
        } catch {
          // Gone already.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = '';
    try {
      holder = readFileSync(path, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    if (alive(holder)) {
      throw new JournalLockedError(
        `SPEND_JOURNAL_PATH ${dir} is in use by process ${holder.split(' ')[0]}: ` +
          'give each instance its own',
      );
    }
    unlinkSync(path); // left by a process that died
  }
  throw new JournalLockedError(`SPEND_JOURNAL_PATH ${dir}: could not take its lock`);
}

interface Segment {
  seq: number;
  path: string;
  size: number;
}

/**
 * The file journal: a directory of append-only segment files (`000000000001.log`, …), one
 * record per spend event, written with ONE `write` to an already-open file (the page cache:
 * it survives the process being killed, not a power loss unless `fsync: 'interval'`). The
 * writer marks in the database how far it has written; segments entirely below that mark are
 * deleted, and a fully written active segment is swapped for an empty one (rotation), so the
 * journal holds about what is not written yet.
 *
 * At open, the segments of an earlier run are read (`recovered`) and a new segment is started:
 * nothing is ever appended after a record a crash may have cut short.
 */
export class FileSpendJournal {
  private readonly logger = new Logger('SpendJournal');
  readonly id: string;
  private readonly segments: Segment[] = [];
  private active!: Segment;
  private fd = -1;
  private dirty = false;
  private syncing = false;
  private warnedFull = false;
  private warnedFailed = false;
  private readonly timer: NodeJS.Timeout | null = null;
  private readonly unlock: () => void;
  /** The events of earlier runs, oldest first (before the writer's filtering). */
  readonly recovered: QueuedEvent[] = [];

  constructor(private readonly config: SpendJournalConfig) {
    mkdirSync(config.path, { recursive: true });
    this.unlock = lock(config.path);
    try {
      this.id = this.journalId();
      this.recover();
      this.openSegment((this.segments.at(-1)?.seq ?? 0) + 1);
    } catch (error) {
      this.unlock();
      throw error;
    }
    if (config.fsync === 'interval') {
      this.timer = setInterval(() => this.sync(), FSYNC_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Bytes in every live segment: what `gatehouse_spend_journal_bytes` reports. */
  get bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  /**
   * Appends one event (one synchronous write, no fsync). If the disk refuses (full, failing),
   * the event stays in memory only (null) and that is logged once: the call is answered anyway.
   */
  append(event: SpendEvent): JournalMark | null {
    const data = Buffer.from(encodeRecord(event));
    if (this.active.size + data.length > SEGMENT_MAX_BYTES && this.active.size > 0) {
      this.openSegment(this.active.seq + 1);
    }
    try {
      let done = 0;
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done);
    } catch (error) {
      if (!this.warnedFailed) {
        this.warnedFailed = true;
        this.logger.error(
          `The spend journal cannot be written (${(error as Error).message}): spend events ` +
            'are kept in memory only until it can',
        );
      }
      return null;
    }
    this.warnedFailed = false;
    this.active.size += data.length;
    this.dirty = true;
    if (!this.warnedFull && this.bytes > JOURNAL_WARN_BYTES) {
      this.warnedFull = true;
      this.logger.warn(
        `The spend journal holds ${this.bytes} bytes not yet written to the database: ` +
          'the spend writer is failing its flushes',
      );
    }
    return { journalId: this.id, segment: this.active.seq, offset: this.active.size };
  }

  /** Everything up to `mark` is in the database: drop the segments it covers, rotate. */
  release(mark: JournalMark): void {
    if (mark.journalId !== this.id) return;
    for (const segment of [...this.segments]) {
      const covered =
        segment.seq < mark.segment ||
        (segment.seq === mark.segment && mark.offset >= segment.size && segment !== this.active);
      if (covered) this.drop(segment);
    }
    const active = this.active;
    if (
      mark.segment === active.seq &&
      mark.offset >= active.size &&
      active.size >= ROTATE_MIN_BYTES
    ) {
      this.openSegment(active.seq + 1);
      this.drop(active);
    }
    if (this.bytes <= JOURNAL_WARN_BYTES) this.warnedFull = false;
  }

  /** After the last flush: a journal fully written is left empty. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.fd !== -1) {
      if (this.config.fsync === 'interval') fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
    this.unlock();
  }

  private journalId(): string {
    const path = join(this.config.path, 'journal-id');
    try {
      const id = readFileSync(path, 'utf8').trim();
      if (/^[0-9a-f-]{36}$/.test(id)) return id;
    } catch {
      // First start.
    }
    const id = randomUUID();
    writeFileSync(path, `${id}\n`);
    return id;
  }

  private recover(): void {
    const seqs = readdirSync(this.config.path)
      .map((name) => SEGMENT_PATTERN.exec(name))
      .flatMap((m) => (m ? [Number(m[1])] : []))
      .sort((a, b) => a - b);
    for (const seq of seqs) {
      const path = join(this.config.path, segmentName(seq));
      const data = readFileSync(path);
      if (data.length === 0) {
        unlinkSync(path); // opened by a run that journaled nothing
        continue;
      }
      const read = readSegment(data);
      for (const offset of read.corrupt) {
        this.logger.warn(
          `Skipped a corrupt spend journal record (${segmentName(seq)} at byte ${offset})`,
        );
      }
      if (read.tornTail) {
        this.logger.warn(
          `Skipped a half-written last spend journal record in ${segmentName(seq)} ` +
            '(the process died while writing it: that call was never answered)',
        );
      }
      for (const { event, offset } of read.events) {
        this.recovered.push({ event, mark: { journalId: this.id, segment: seq, offset } });
      }
      this.segments.push({ seq, path, size: data.length });
    }
  }

  private openSegment(seq: number): void {
    const previous = this.fd;
    const path = join(this.config.path, segmentName(seq));
    this.fd = openSync(path, 'a');
    if (previous !== -1) {
      if (this.config.fsync === 'interval') fsyncSync(previous);
      closeSync(previous);
    }
    this.active = { seq, path, size: statSync(path).size };
    this.segments.push(this.active);
  }

  private drop(segment: Segment): void {
    const i = this.segments.indexOf(segment);
    if (i !== -1) this.segments.splice(i, 1);
    try {
      unlinkSync(segment.path);
    } catch {
      // Gone already.
    }
  }

  /** SPEND_JOURNAL_FSYNC=interval: on the thread pool, never on the request path. */
  private sync(): void {
    if (!this.dirty || this.syncing || this.fd === -1) return;
    this.dirty = false;
    this.syncing = true;
    fsync(this.fd, () => {
      this.syncing = false;
    });
  }
}

/**
 * The queue the gateway pushes to, with every event journaled first: the in-memory batch the
 * writer drains, and the file journal that survives the process.
 */
export class JournalSpendQueue extends InMemorySpendQueue {
  constructor(readonly journal: FileSpendJournal) {
    super();
  }

  override push(event: SpendEvent): void {
    this.events.push({ event, mark: this.journal.append(event) });
  }

  override recovered(): QueuedEvent[] {
    return this.journal.recovered.splice(0);
  }

  override close(): void {
    this.journal.close();
  }

  override written(events: QueuedEvent[]): void {
    for (let i = events.length - 1; i >= 0; i--) {
      const mark = events[i].mark;
      if (mark) {
        this.journal.release(mark);
        return;
      }
    }
  }
}
