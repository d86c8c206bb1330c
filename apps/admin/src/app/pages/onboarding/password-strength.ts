export interface StrengthHint {
  ok: boolean;
  text: string;
}

/** Mirrors the API's rules (8..256 chars) and adds the usual hints. */
export function passwordHints(password: string): StrengthHint[] {
  return [
    { ok: password.length >= 8, text: 'At least 8 characters' },
    { ok: /[a-z]/.test(password) && /[A-Z]/.test(password), text: 'Upper and lower case letters' },
    { ok: /\d/.test(password), text: 'A digit' },
    { ok: /[^A-Za-z0-9]/.test(password), text: 'A symbol' },
    { ok: password.length >= 14, text: '14 characters or more makes it strong' },
  ];
}

export function strengthLabel(password: string): 'weak' | 'fair' | 'strong' {
  const score = passwordHints(password).filter((hint) => hint.ok).length;
  if (password.length < 8 || score <= 2) return 'weak';
  return score >= 4 ? 'strong' : 'fair';
}
