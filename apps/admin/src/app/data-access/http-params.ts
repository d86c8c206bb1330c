import { HttpParams } from '@angular/common/http';

/** Query params without the empty ones. */
export function params(query: object): HttpParams {
  let result = new HttpParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    result = result.set(name, String(value as string | number | boolean));
  }
  return result;
}
