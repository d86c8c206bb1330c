import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConsoleRoute, registerConsole } from './console';

describe('registerConsole', () => {
  let dir: string;
  let sut: FastifyInstance;
  const lines: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-'));
    sut = Fastify();
    lines.length = 0;
  });

  afterEach(async () => {
    await sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function withBuiltConsole(): Promise<void> {
    writeFileSync(join(dir, 'index.html'), '<html>console</html>');
    writeFileSync(join(dir, 'main-ABC.js'), 'console.log(1)');
    mkdirSync(join(dir, 'media'));
    writeFileSync(join(dir, 'media', 'logo.svg'), '<svg/>');
    expect(await registerConsole(sut, (line) => lines.push(line), [dir])).toBe(dir);
    await sut.ready();
  }

  it('redirects /ui to /ui/', async () => {
    await withBuiltConsole();
    const answer = await sut.inject({ url: '/ui' });
    expect(answer.statusCode).toBe(301);
    expect(answer.headers.location).toBe('/ui/');
  });

  it('serves index.html at /ui/ and for client routes, never cached', async () => {
    await withBuiltConsole();
    for (const url of ['/ui/', '/ui/keys', '/ui/onboarding?id=abc', '/ui/a/b/c']) {
      const answer = await sut.inject({ url });
      expect([url, answer.statusCode, answer.body]).toEqual([url, 200, '<html>console</html>']);
      expect(answer.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves built files (also in folders) with a long cache', async () => {
    await withBuiltConsole();
    const js = await sut.inject({ url: '/ui/main-ABC.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await sut.inject({ url: '/ui/media/logo.svg' })).statusCode).toBe(200);
  });

  it('answers 404 in the API error shape for a missing file with an extension', async () => {
    await withBuiltConsole();
    const answer = await sut.inject({ url: '/ui/missing-123.js' });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      error: { message: 'Not found', type: 'not_found_error', param: null, code: '404' },
    });
  });

  it('does not serve files outside its folder', async () => {
    writeFileSync(join(dir, '..', `secret-${process.pid}.txt`), 'no');
    await withBuiltConsole();
    const answer = await sut.inject({ url: `/ui/../secret-${process.pid}.txt` });
    expect(answer.body).not.toBe('no');
    rmSync(join(dir, '..', `secret-${process.pid}.txt`));
  });

  it('skips with one log line when the console is not built', async () => {
    expect(await registerConsole(sut, (line) => lines.push(line), [dir])).toBeNull();
    await sut.ready();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('console not built');
    expect((await sut.inject({ url: '/ui/' })).statusCode).toBe(404);
  });

  it('names its public routes', () => {
    expect(['/ui', '/ui/', '/ui/*', '/ui/main.js'].every(isConsoleRoute)).toBe(true);
    expect(['/user/list', '/uix', '/'].some(isConsoleRoute)).toBe(false);
  });
});
