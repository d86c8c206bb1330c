import type { Role } from '@gatehouse/shared/auth';
import { ROLES } from '@gatehouse/shared/auth';
import type { LoginResponse, TeamResponse, UserResponse } from '@gatehouse/shared/dto';
import { randomBytes } from 'node:crypto';
import type { Test } from 'supertest';
import type { TestApp } from './test-app';

/** What the callers need of an app: its HTTP agent and master key (a TestApp, or one
 * instance of a cluster). */
export type HttpTarget = Pick<TestApp, 'http' | 'masterKey'>;

/** Something that calls the API one way: anonymously, with a bearer, or with a session. */
export interface Caller {
  label: string;
  get(path: string): Test;
  post(path: string, body?: object): Test;
}

export interface UserCaller extends Caller {
  userId: string;
  email: string;
  password: string;
  role: Role;
  cookies: string[];
  xsrf: string;
}

export function anonymous(t: HttpTarget): Caller {
  return {
    label: 'anonymous',
    get: (path) => t.http.get(path),
    post: (path, body = {}) => t.http.post(path).send(body),
  };
}

export function bearer(t: HttpTarget, key: string, label = 'bearer'): Caller {
  return {
    label,
    get: (path) => t.http.get(path).set('Authorization', `Bearer ${key}`),
    post: (path, body = {}) => t.http.post(path).set('Authorization', `Bearer ${key}`).send(body),
  };
}

export const master = (t: HttpTarget): Caller => bearer(t, t.masterKey, 'master key');

/** The `name=value` pairs of a response's Set-Cookie headers. */
export function cookiesOf(setCookie: string[] | string | undefined): string[] {
  return [setCookie ?? []].flat().map((c) => c.split(';')[0]);
}

export function cookieValue(cookies: string[], name: string): string {
  const found = cookies.find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in ${cookies.join(', ')}`);
  return found.slice(name.length + 1);
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
}

/** Logs in over POST /login and returns a caller that carries the cookies and XSRF header. */
export async function login(
  t: HttpTarget,
  username: string,
  password: string,
): Promise<Caller & { cookies: string[]; xsrf: string; body: LoginResponse }> {
  const res = await t.http.post('/login').send({ username, password }).expect(200);
  const cookies = cookiesOf(res.headers['set-cookie']);
  const xsrf = cookieValue(cookies, 'XSRF-TOKEN');
  return {
    label: `session of ${username}`,
    cookies,
    xsrf,
    body: res.body as LoginResponse,
    get: (path) => t.http.get(path).set('Cookie', cookies.join('; ')),
    post: (path, body = {}) =>
      t.http.post(path).set('Cookie', cookies.join('; ')).set('X-XSRF-TOKEN', xsrf).send(body),
  };
}

export async function createUser(
  t: HttpTarget,
  role: Role,
  fields: Record<string, unknown> = {},
): Promise<UserResponse & { password: string }> {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const res = await master(t)
    .post('/user/new', { user_email: uniqueEmail(role), user_role: role, password, ...fields })
    .expect(200);
  return { ...(res.body as UserResponse), password };
}

/** A team made with the master key; `members` as (user id, team role) pairs. */
export async function createTeam(
  t: HttpTarget,
  fields: Record<string, unknown> = {},
  members: [string, 'admin' | 'user'][] = [],
): Promise<TeamResponse> {
  const res = await master(t)
    .post('/team/new', {
      members_with_roles: members.map(([user_id, role]) => ({ user_id, role })),
      ...fields,
    })
    .expect(200);
  return res.body as TeamResponse;
}

/** A logged-in user of the given role. */
export async function userCaller(
  t: HttpTarget,
  role: Role,
  fields: Record<string, unknown> = {},
): Promise<UserCaller> {
  const user = await createUser(t, role, fields);
  const session = await login(t, user.user_email ?? '', user.password);
  return {
    ...session,
    label: role,
    userId: user.user_id,
    email: user.user_email ?? '',
    password: user.password,
    role,
  };
}

/** One logged-in caller per role, plus the master key. */
export async function everyRole(t: HttpTarget): Promise<Record<Role, UserCaller>> {
  const entries = await Promise.all(
    ROLES.map(async (role) => [role, await userCaller(t, role)] as const),
  );
  return Object.fromEntries(entries) as Record<Role, UserCaller>;
}

/** A caller that carries the session cookies a response set (e.g. /onboarding/claim_token). */
export function sessionOf(
  t: HttpTarget,
  setCookie: string[] | string | undefined,
  label = 'session',
): Caller & { cookies: string[]; xsrf: string } {
  const cookies = cookiesOf(setCookie);
  const xsrf = cookieValue(cookies, 'XSRF-TOKEN');
  return {
    label,
    cookies,
    xsrf,
    get: (path) => t.http.get(path).set('Cookie', cookies.join('; ')),
    post: (path, body = {}) =>
      t.http.post(path).set('Cookie', cookies.join('; ')).set('X-XSRF-TOKEN', xsrf).send(body),
  };
}
