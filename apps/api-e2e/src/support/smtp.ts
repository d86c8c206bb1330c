import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface MailParts {
  subject: string;
  text: string;
  html: string;
}

/**
 * A real SMTP server on loopback that records every message. `nth(to, n)` resolves when the
 * n-th mail to `to` arrived. Recipients named `reject-*` are refused (550); mail to `hold-*`
 * is held (the sender waits) until `release()`.
 */
export class RecordingSmtpServer {
  readonly messages: ReceivedMail[] = [];
  private waiters: { to: string; n: number; resolve: (m: ReceivedMail) => void }[] = [];
  private releaseHeld: () => void = () => undefined;
  private readonly held = new Promise<void>((resolve) => (this.releaseHeld = resolve));
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo: (address, _session, callback) => {
      if (address.address.startsWith('reject-')) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        const finish = (): void => {
          this.messages.push(message);
          this.waiters = this.waiters.filter((w) => {
            const found = this.mailsTo(w.to)[w.n - 1];
            if (found) w.resolve(found);
            return !found;
          });
          callback();
        };
        if (message.to.some((to) => to.startsWith('hold-'))) void this.held.then(finish);
        else finish();
      });
    },
  });

  /** Lets the held mails (to `hold-*`) through. */
  release(): void {
    this.releaseHeld();
  }

  /** Resolves when a message to `to` has arrived (or already had). */
  messageTo(to: string): Promise<ReceivedMail> {
    return this.nth(to, 1);
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.server.address() as AddressInfo).port;
  }

  mailsTo(to: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(to));
  }

  nth(to: string, n: number): Promise<ReceivedMail> {
    const found = this.mailsTo(to)[n - 1];
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ to, n, resolve }));
  }

  stop(): Promise<void> {
    this.release();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function decode(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    default:
      return body;
  }
}

function headerOf(headers: string, name: string): string {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return match?.[1]?.trim() ?? '';
}

/** Just enough MIME: the subject and the text/plain and text/html parts of a mail. */
export function partsOf(raw: string): MailParts {
  const [head] = raw.split(/\r?\n\r?\n/);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headerOf(head, 'Content-Type'))?.[1];
  if (!boundary) throw new Error(`not multipart:\n${raw}`);
  const parts: MailParts = { subject: headerOf(head, 'Subject'), text: '', html: '' };
  for (const section of raw.split(`--${boundary}`).slice(1)) {
    const split = /\r?\n\r?\n/.exec(section);
    if (!split) continue;
    const headers = section.slice(0, split.index);
    const body = section.slice(split.index + split[0].length);
    const type = headerOf(headers, 'Content-Type');
    const content = decode(body, headerOf(headers, 'Content-Transfer-Encoding') || '7bit');
    if (type.startsWith('text/plain')) parts.text = content;
    if (type.startsWith('text/html')) parts.html = content;
  }
  return parts;
}

/** A loopback port nothing listens on (an SMTP server that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
