import type { UserResponse } from '@gatehouse/shared/dto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { master } from './support/callers';
import { fill, runShell } from './support/curl';
import { startApp, type TestApp } from './support/test-app';

/** Step 1 of ../shared/reference/self-serve.md, character for character. */
const STEP_1 = `curl -X POST '<PROXY_BASE_URL>/user/new' \\
-H 'Authorization: Bearer <PROXY_MASTER_KEY>' \\
-H 'Content-Type: application/json' \\
-D '{
    "user_email": "krrishdholakia@gmail.com",
    "user_role": "internal_user" # 👈 THIS ALLOWS USER TO CREATE/VIEW/DELETE THEIR OWN KEYS + SEE THEIR SPEND
}'`;

describe('product page, step 1: add an internal user (real curl)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ listen: true });
  });
  afterAll(() => t.close());

  const placeholders = (): Record<string, string> => ({
    '<PROXY_BASE_URL>': t.baseUrl ?? '',
    '<PROXY_MASTER_KEY>': t.masterKey,
  });

  it('works verbatim: -D is --dump-header, so curl sends no body and a user with defaults is made', async () => {
    // curl writes the header dump to a file named after the JSON text, whose "/"s make it a
    // path; curl 7.88 crashes when that folder is missing, so make it first.
    const dumpFile = STEP_1.slice(STEP_1.indexOf("-D '") + 4, -1);
    const prepare = (cwd: string): void => {
      mkdirSync(join(cwd, dirname(dumpFile)), { recursive: true });
    };
    const { stdout } = await runShell(fill(STEP_1, placeholders()), prepare);
    const user = JSON.parse(stdout) as UserResponse;
    expect(user.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user).toMatchObject({ user_email: null, user_role: 'internal_user_viewer' });
    await master(t).get(`/user/info?user_id=${user.user_id}`).expect(200);
  });

  it('with -d (what the page means) sends the commented body and gets the expected response', async () => {
    const { stdout } = await runShell(fill(STEP_1.replace("\n-D '{", "\n-d '{"), placeholders()));
    const user = JSON.parse(stdout) as UserResponse;
    expect(user).toMatchObject({
      user_email: 'krrishdholakia@gmail.com',
      user_role: 'internal_user',
    });
    expect(user.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stdout).not.toMatch(/password/i);
  });
});
