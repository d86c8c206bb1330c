import { AppError } from '../errors/app-error';
import { parseJsonBody, stripHashComments } from './lenient-json';

describe('parseJsonBody', () => {
  it('parses strict JSON', () => {
    expect(parseJsonBody('{"a":1,"b":["x"]}')).toEqual({ a: 1, b: ['x'] });
  });

  it('accepts the product page body with # comments', () => {
    const body = `{
    "user_email": "krrishdholakia@gmail.com",
    "user_role": "internal_user" # 👈 THIS ALLOWS USER TO CREATE/VIEW/DELETE THEIR OWN KEYS + SEE THEIR SPEND
}`;
    expect(parseJsonBody(body)).toEqual({
      user_email: 'krrishdholakia@gmail.com',
      user_role: 'internal_user',
    });
  });

  it('keeps # inside strings, including after escaped quotes', () => {
    expect(stripHashComments('{"a":"x#y \\" #z"} # c')).toBe('{"a":"x#y \\" #z"} ');
    expect(parseJsonBody('{"a":"#1"}')).toEqual({ a: '#1' });
  });

  it('reads an empty body as an empty object', () => {
    expect(parseJsonBody('')).toEqual({});
    expect(parseJsonBody('  \n')).toEqual({});
  });

  it('refuses malformed JSON with a 400', () => {
    expect(() => parseJsonBody('{"a":')).toThrow(AppError);
    try {
      parseJsonBody('{nope}');
    } catch (error) {
      expect((error as AppError).status).toBe(400);
    }
  });

  it('refuses prototype poisoning', () => {
    expect(() => parseJsonBody('{"__proto__":{"admin":true}}')).toThrow(AppError);
    expect(() => parseJsonBody('{"constructor":{"prototype":{"admin":true}}}')).toThrow(AppError);
  });
});
