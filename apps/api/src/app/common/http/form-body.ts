import { AppError } from '../errors/app-error';

/** Far above any form here (the console's login posts two fields). */
export const MAX_FORM_PARAMETERS = 100;

/**
 * `application/x-www-form-urlencoded` bodies as a flat object (a repeated name keeps its last
 * value). The pairs are counted before they are parsed: past MAX_FORM_PARAMETERS, a 400.
 */
export function parseFormBody(text: string): Record<string, string> {
  let pairs = 1;
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    if (++pairs > MAX_FORM_PARAMETERS) {
      throw AppError.badRequest(
        `Form body has too many fields (at most ${MAX_FORM_PARAMETERS})`,
      ).withCode('form_too_many_fields');
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
