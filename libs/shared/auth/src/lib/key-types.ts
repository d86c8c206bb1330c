import { ROLE_PERMISSIONS, type Permission } from './permissions';
import { ROLES, type Role } from './roles';

/**
 * What a virtual key may be used for (LiteLLM's `key_type`):
 * - `default`: the LLM API and the management API (as the key's capped role);
 * - `llm_api`: the LLM API (data plane) only;
 * - `management`: the management API only, no LLM calls;
 * - `read_only`: the management API's GET routes only, no LLM calls.
 */
export const KEY_TYPES = ['default', 'llm_api', 'management', 'read_only'] as const;

export type KeyType = (typeof KEY_TYPES)[number];

export const DEFAULT_KEY_TYPE: KeyType = 'default';

export function isKeyType(value: unknown): value is KeyType {
  return typeof value === 'string' && (KEY_TYPES as readonly string[]).includes(value);
}

/** The three things a key type can grant; a type is the set it grants. */
type KeyGrant = 'llm' | 'manage.read' | 'manage.write';

const KEY_TYPE_GRANTS: Readonly<Record<KeyType, ReadonlySet<KeyGrant>>> = {
  default: new Set<KeyGrant>(['llm', 'manage.read', 'manage.write']),
  llm_api: new Set<KeyGrant>(['llm']),
  management: new Set<KeyGrant>(['manage.read', 'manage.write']),
  read_only: new Set<KeyGrant>(['manage.read']),
};

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * The one rule on what a key's type lets it reach, asked by the management API's permission
 * guard and by the data plane. `permission` is what the route needs: `gateway.call` is the LLM
 * API (data plane); anything else, or none (routes open to any authenticated caller), is the
 * management API, where `read_only` keys only pass reads (GET/HEAD).
 */
export function keyTypeAllows(
  keyType: KeyType,
  permission: Permission | null,
  method: string,
): boolean {
  const grants = KEY_TYPE_GRANTS[keyType];
  if (permission === 'gateway.call') return grants.has('llm');
  return READ_METHODS.has(method.toUpperCase())
    ? grants.has('manage.read')
    : grants.has('manage.write');
}

/** Whether a key of type `inner` grants nothing a key of type `outer` lacks. */
export function keyTypeWithin(inner: KeyType, outer: KeyType): boolean {
  return [...KEY_TYPE_GRANTS[inner]].every((grant) => KEY_TYPE_GRANTS[outer].has(grant));
}

const isSubset = (a: ReadonlySet<Permission>, b: ReadonlySet<Permission>): boolean =>
  [...a].every((p) => b.has(p));

/**
 * The greatest role whose permissions are within both `a`'s and `b`'s (the meet of the two in
 * the order "permission set included in"). The four roles form a lattice under that order, so
 * the answer is unique; internal_user_viewer (the self reads every role has) is the bottom.
 */
function computeMeet(a: Role, b: Role): Role {
  const both = new Set([...ROLE_PERMISSIONS[a]].filter((p) => ROLE_PERMISSIONS[b].has(p)));
  const below = ROLES.filter((role) => isSubset(ROLE_PERMISSIONS[role], both));
  // The greatest of them is the one every other is included in.
  const greatest = below.find((role) =>
    below.every((other) => isSubset(ROLE_PERMISSIONS[other], ROLE_PERMISSIONS[role])),
  );
  if (!greatest) throw new Error(`roles ${a} and ${b} have no meet`);
  return greatest;
}

/** Every pair's meet, worked out once: the data plane asks for it on every virtual-key call. */
const MEETS: ReadonlyMap<string, Role> = new Map(
  ROLES.flatMap((a) => ROLES.map((b) => [`${a} ${b}`, computeMeet(a, b)] as const)),
);

/** `computeMeet` of the two roles, from the table. */
export function meetRole(a: Role, b: Role): Role {
  const meet = MEETS.get(`${a} ${b}`);
  if (meet === undefined) throw new Error(`unknown role ${a} or ${b}`);
  return meet;
}

/**
 * The role a key acts with on the management API: never more than its owner's current role nor
 * the role of whoever made it (recorded when it was made), and for `read_only` keys never more
 * than an admin viewer's (the guard still refuses their writes: internal_user_viewer can
 * update itself).
 */
export function keyEffectiveRole(ownerRole: Role, createdByRole: Role, keyType: KeyType): Role {
  const capped = meetRole(ownerRole, createdByRole);
  return keyType === 'read_only' ? meetRole(capped, 'proxy_admin_viewer') : capped;
}
