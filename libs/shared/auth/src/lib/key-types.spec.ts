import {
  KEY_TYPES,
  keyEffectiveRole,
  keyTypeAllows,
  keyTypeWithin,
  meetRole,
  type KeyType,
} from './key-types';
import { ROLE_PERMISSIONS } from './permissions';
import { ROLES, type Role } from './roles';

describe('meetRole', () => {
  it.each<[Role, Role, Role]>([
    ['proxy_admin', 'proxy_admin', 'proxy_admin'],
    ['proxy_admin', 'internal_user', 'internal_user'],
    ['proxy_admin', 'proxy_admin_viewer', 'proxy_admin_viewer'],
    ['proxy_admin', 'internal_user_viewer', 'internal_user_viewer'],
    ['proxy_admin_viewer', 'internal_user', 'internal_user_viewer'],
    ['proxy_admin_viewer', 'internal_user_viewer', 'internal_user_viewer'],
    ['internal_user', 'internal_user_viewer', 'internal_user_viewer'],
    ['internal_user', 'internal_user', 'internal_user'],
  ])('meet(%s, %s) = %s, both ways round', (a, b, expected) => {
    expect(meetRole(a, b)).toBe(expected);
    expect(meetRole(b, a)).toBe(expected);
  });

  it.each(ROLES.flatMap((a) => ROLES.map((b) => [a, b] as const)))(
    'meet(%s, %s) holds no permission either side lacks',
    (a, b) => {
      const meet = ROLE_PERMISSIONS[meetRole(a, b)];
      for (const p of meet) {
        expect(ROLE_PERMISSIONS[a].has(p) && ROLE_PERMISSIONS[b].has(p)).toBe(true);
      }
    },
  );
});

describe('keyTypeAllows', () => {
  const cases: [KeyType, boolean, boolean, boolean][] = [
    // type, LLM call, management GET, management POST
    ['default', true, true, true],
    ['llm_api', true, false, false],
    ['management', false, true, true],
    ['read_only', false, true, false],
  ];

  it.each(cases)('%s: llm %s, management read %s, management write %s', (type, llm, get, post) => {
    expect(keyTypeAllows(type, 'gateway.call', 'POST')).toBe(llm);
    expect(keyTypeAllows(type, 'gateway.call', 'GET')).toBe(llm);
    expect(keyTypeAllows(type, 'key.read.self', 'GET')).toBe(get);
    expect(keyTypeAllows(type, 'key.read.self', 'head')).toBe(get);
    expect(keyTypeAllows(type, null, 'GET')).toBe(get);
    expect(keyTypeAllows(type, 'user.update.self', 'POST')).toBe(post);
    expect(keyTypeAllows(type, null, 'POST')).toBe(post);
  });
});

describe('keyTypeWithin', () => {
  const within: Record<KeyType, KeyType[]> = {
    default: ['default', 'llm_api', 'management', 'read_only'],
    llm_api: ['llm_api'],
    management: ['management', 'read_only'],
    read_only: ['read_only'],
  };

  it.each(KEY_TYPES)('a %s key may make exactly the types it covers', (outer) => {
    expect(KEY_TYPES.filter((inner) => keyTypeWithin(inner, outer))).toEqual(within[outer]);
  });
});

describe('keyEffectiveRole', () => {
  it.each<[Role, Role, KeyType, Role]>([
    // The finding-1 key: a proxy_admin's key made by an internal_user team admin.
    ['proxy_admin', 'internal_user', 'default', 'internal_user'],
    ['proxy_admin', 'proxy_admin', 'default', 'proxy_admin'],
    ['internal_user', 'proxy_admin', 'default', 'internal_user'],
    ['proxy_admin', 'proxy_admin', 'read_only', 'proxy_admin_viewer'],
    ['internal_user', 'internal_user', 'read_only', 'internal_user_viewer'],
    ['proxy_admin', 'proxy_admin', 'management', 'proxy_admin'],
  ])('owner %s, made by %s, type %s -> %s', (owner, creator, type, expected) => {
    expect(keyEffectiveRole(owner, creator, type)).toBe(expected);
  });
});
