import type { KeyType, Role } from '@gatehouse/shared/auth';
import type { TeamRole } from '@gatehouse/shared/dto';
import type { AppError } from '../common/errors/app-error';
import {
  checkKeyOwner,
  keyListScope,
  mayActOnKey,
  mayReadKey,
  mayRegenerateKey,
  resolveKeyType,
  type KeyActor,
  type KeyOwnerContext,
} from './key-access';

const actor = (role: Role, keyType: KeyType | null = null, userId = 'me'): KeyActor => ({
  userId,
  role,
  keyType,
});

const errorOf = (fn: () => unknown): Pick<AppError, 'status' | 'type' | 'param'> | null => {
  try {
    fn();
    return null;
  } catch (error) {
    const { status, type, param } = error as AppError;
    return { status, type, param };
  }
};

describe('key access', () => {
  describe('read, update, delete', () => {
    const cases: [string, Role, string, TeamRole | null, boolean, boolean][] = [
      // who, role, key owner, caller's team role, may read, may update/delete
      ['owner', 'internal_user', 'me', null, true, true],
      ['owner viewer', 'internal_user_viewer', 'me', null, true, false],
      ['stranger', 'internal_user', 'other', null, false, false],
      ['plain member', 'internal_user', 'other', 'user', false, false],
      ['team admin', 'internal_user', 'other', 'admin', true, true],
      ['viewer team admin', 'internal_user_viewer', 'other', 'admin', true, false],
      ['admin viewer', 'proxy_admin_viewer', 'other', null, true, false],
      ['admin', 'proxy_admin', 'other', null, true, true],
    ];
    it.each(cases)('%s (%s) on a key of %s', (_, role, owner, teamRole, read, write) => {
      const key = { userId: owner, keyType: 'default' as const };
      expect(mayReadKey(actor(role), key, teamRole)).toBe(read);
      expect(mayActOnKey(actor(role), key, 'update', teamRole)).toBe(write);
      expect(mayActOnKey(actor(role), key, 'delete', teamRole)).toBe(write);
    });
  });

  describe('regenerate (finding 2: the right to make that key for its owner)', () => {
    const cases: [string, Role, string, KeyType, TeamRole | null, boolean, boolean][] = [
      // who, role, owner, key type, team role, owner in team, may regenerate
      ['owner', 'internal_user', 'me', 'default', null, false, true],
      ['owner viewer', 'internal_user_viewer', 'me', 'default', null, false, false],
      ['team admin, default key', 'internal_user', 'other', 'default', 'admin', true, false],
      ['team admin, management key', 'internal_user', 'other', 'management', 'admin', true, false],
      ['team admin, llm_api key', 'internal_user', 'other', 'llm_api', 'admin', true, true],
      ['team admin, owner gone', 'internal_user', 'other', 'llm_api', 'admin', false, false],
      ['plain member, llm_api key', 'internal_user', 'other', 'llm_api', 'user', true, false],
      ['admin', 'proxy_admin', 'other', 'default', null, false, true],
    ];
    it.each(cases)('%s', (_, role, owner, keyType, teamRole, inTeam, expected) => {
      expect(mayRegenerateKey(actor(role), { userId: owner, keyType }, teamRole, inTeam)).toBe(
        expected,
      );
    });
  });

  describe('checkKeyOwner', () => {
    const base: KeyOwnerContext = {
      ownerId: 'me',
      teamId: 't1',
      teamExists: true,
      callerTeamRole: 'user',
      ownerTeamRole: null,
    };
    const cases: [string, Role, Partial<KeyOwnerContext>, [number, string] | null][] = [
      ['a personal key for oneself', 'internal_user', { teamId: undefined }, null],
      [
        'a personal key for another',
        'internal_user',
        { teamId: null, ownerId: 'x' },
        [403, 'user_id'],
      ],
      ['an admin, for anybody', 'proxy_admin', { teamId: null, ownerId: 'x' }, null],
      ['an unknown team', 'proxy_admin', { teamExists: false }, [404, 'team_id']],
      ['a team one is not in', 'internal_user', { callerTeamRole: null }, [404, 'team_id']],
      ['a member, for oneself', 'internal_user', {}, null],
      [
        'a member, for another member',
        'internal_user',
        { ownerId: 'x', ownerTeamRole: 'user' },
        [403, 'user_id'],
      ],
      [
        'a team admin, for a member',
        'internal_user',
        { ownerId: 'x', callerTeamRole: 'admin', ownerTeamRole: 'user' },
        null,
      ],
      [
        'a team admin, for a non-member',
        'internal_user',
        { ownerId: 'x', callerTeamRole: 'admin', ownerTeamRole: null },
        [403, 'user_id'],
      ],
    ];
    it.each(cases)('%s', (_, role, context, expected) => {
      const error = errorOf(() => checkKeyOwner(actor(role), { ...base, ...context }));
      expect(error && [error.status, error.param]).toEqual(expected);
    });
  });

  describe('resolveKeyType (finding 1)', () => {
    const cases: [
      string,
      KeyActor,
      KeyType | undefined,
      { creating: boolean; ownerId: string },
      KeyType | undefined | 'refused',
    ][] = [
      [
        'own key, absent',
        actor('internal_user'),
        undefined,
        { creating: true, ownerId: 'me' },
        'default',
      ],
      [
        'own key, asked',
        actor('internal_user'),
        'read_only',
        { creating: true, ownerId: 'me' },
        'read_only',
      ],
      [
        "a team admin's for a member, absent",
        actor('internal_user'),
        undefined,
        { creating: true, ownerId: 'x' },
        'llm_api',
      ],
      [
        "a team admin's for a member, default",
        actor('internal_user'),
        'default',
        { creating: true, ownerId: 'x' },
        'refused',
      ],
      [
        "a team admin's for a member, management",
        actor('internal_user'),
        'management',
        { creating: true, ownerId: 'x' },
        'refused',
      ],
      [
        "a team admin changing a member's key to default",
        actor('internal_user'),
        'default',
        { creating: false, ownerId: 'x' },
        'refused',
      ],
      [
        'an update leaving the type alone',
        actor('internal_user'),
        undefined,
        { creating: false, ownerId: 'x' },
        undefined,
      ],
      [
        "an admin's for anybody",
        actor('proxy_admin'),
        'default',
        { creating: true, ownerId: 'x' },
        'default',
      ],
      [
        'through a management key, absent',
        actor('internal_user', 'management'),
        undefined,
        { creating: true, ownerId: 'me' },
        'management',
      ],
      [
        'through a management key, read_only',
        actor('internal_user', 'management'),
        'read_only',
        { creating: true, ownerId: 'me' },
        'read_only',
      ],
      [
        'through a management key, default',
        actor('internal_user', 'management'),
        'default',
        { creating: true, ownerId: 'me' },
        'refused',
      ],
      [
        'through a management key, llm_api',
        actor('internal_user', 'management'),
        'llm_api',
        { creating: true, ownerId: 'me' },
        'refused',
      ],
      [
        "through an admin's management key, default",
        actor('proxy_admin', 'management'),
        'default',
        { creating: true, ownerId: 'me' },
        'refused',
      ],
      [
        'through a default key, anything',
        actor('internal_user', 'default'),
        'llm_api',
        { creating: true, ownerId: 'me' },
        'llm_api',
      ],
    ];
    it.each(cases)('%s', (_, who, requested, options, expected) => {
      if (expected === 'refused') {
        expect(errorOf(() => resolveKeyType(who, requested, options))).toEqual({
          status: 403,
          type: 'permission_error',
          param: 'key_type',
        });
      } else {
        expect(resolveKeyType(who, requested, options)).toBe(expected);
      }
    });
  });

  describe('keyListScope', () => {
    type Team = { exists: boolean; callerRole: TeamRole | null } | null;
    const cases: [string, Role, { user_id?: string; team_id?: string }, Team, unknown][] = [
      ['own keys', 'internal_user', {}, null, { userId: 'me' }],
      ["another user's keys", 'internal_user', { user_id: 'x' }, null, null],
      ['an admin viewer, anybody', 'proxy_admin_viewer', { user_id: 'x' }, null, { userId: 'x' }],
      [
        'a team admin, the team',
        'internal_user',
        { team_id: 't' },
        { exists: true, callerRole: 'admin' },
        { userId: undefined },
      ],
      [
        'a plain member, own keys of the team',
        'internal_user',
        { team_id: 't' },
        { exists: true, callerRole: 'user' },
        { userId: 'me' },
      ],
      ['a non-member', 'internal_user', { team_id: 't' }, { exists: true, callerRole: null }, 404],
      [
        'an unknown team, admins too',
        'proxy_admin',
        { team_id: 't' },
        { exists: false, callerRole: null },
        404,
      ],
    ];
    it.each(cases)('%s', (_, role, query, team, expected) => {
      if (expected === 404) {
        expect(errorOf(() => keyListScope(actor(role), query, team))).toMatchObject({
          status: 404,
          param: 'team_id',
        });
      } else {
        expect(keyListScope(actor(role), query, team)).toEqual(expected);
      }
    });
  });
});
