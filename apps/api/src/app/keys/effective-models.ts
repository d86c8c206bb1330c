import type { CachedKey } from './key-cache';

/**
 * The models a key may call on the gateway: the intersection of the non-empty allow-lists
 * among the key's, its owner's and (for a team key) its team's. An empty list means "no
 * restriction at that level"; `'all'` when no level restricts. An empty array means the levels
 * exclude each other: nothing is allowed. Order follows the first restricting list.
 */
export function effectiveModels(
  key: Pick<CachedKey, 'models' | 'owner' | 'team'>,
): string[] | 'all' {
  const lists = [key.models, key.owner?.models ?? [], key.team?.models ?? []].filter(
    (list) => list.length > 0,
  );
  if (lists.length === 0) return 'all';
  const [first, ...rest] = lists;
  return [...new Set(first)].filter((model) => rest.every((list) => list.includes(model)));
}
