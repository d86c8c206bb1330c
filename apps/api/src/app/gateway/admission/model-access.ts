/**
 * The one rule for which models a caller may use, read by the gateway's admission,
 * `/v1/models` and `/model/info` (and nothing else decides it).
 *
 * A caller is held to several allow-lists (its key's, its owner's, its team's). A list
 * restricts unless it is empty or names a wildcard (`*`, `all-proxy-models`, as in LiteLLM);
 * a model is allowed when every restricting list names it.
 */
export type AllowList = readonly string[] | null | undefined;

export const ALL_MODELS: ReadonlySet<string> = new Set(['*', 'all-proxy-models']);

function restricts(list: AllowList): list is readonly string[] {
  return !!list && list.length > 0 && !list.some((m) => ALL_MODELS.has(m));
}

/** May a caller held to these allow-lists use `model`? */
export function mayUseModel(lists: readonly AllowList[], model: string): boolean {
  return lists.every((list) => !restricts(list) || list.includes(model));
}

/**
 * The models the lists allow: `'all'` when none restricts, else the intersection of the
 * restricting ones (empty when they exclude each other: nothing, not all). Order follows the
 * first restricting list; each model once.
 */
export function effectiveModels(lists: readonly AllowList[]): string[] | 'all' {
  const restricting = lists.filter(restricts);
  if (restricting.length === 0) return 'all';
  const [first, ...rest] = restricting;
  return [...new Set(first)].filter((model) => rest.every((list) => list.includes(model)));
}
