import { AppError } from '../errors/app-error';
import {
  checkJsonText,
  GATEWAY_JSON_LIMITS,
  JSON_BODY_LIMITS,
  parseJsonBody,
  stripHashComments,
} from './lenient-json';

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

describe('JSON shape limits', () => {
  const limits = { maxDepth: 3, maxMembers: 5 };
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  const codeOf = (run: () => unknown): string | null => {
    try {
      run();
      return null;
    } catch (error) {
      return (error as AppError).code;
    }
  };

  it('refuses nesting past maxDepth, on the parsed value and on the text alike', () => {
    expect(codeOf(() => parseJsonBody(nested(3), limits))).toBeNull();
    expect(codeOf(() => parseJsonBody(nested(4), limits))).toBe('json_too_deep');
    expect(codeOf(() => checkJsonText(nested(3), limits))).toBeNull();
    expect(codeOf(() => checkJsonText(nested(4), limits))).toBe('json_too_deep');
  });

  it('counts keys plus array elements, the same way on the text and on the value', () => {
    const bodies = ['{"a":1,"b":[1,2],"c":{}}', '[[],[1],{"x":[]}]', '{"a":"[,{","b":"\\"],"}'];
    for (const body of bodies) {
      const onValue = codeOf(() => parseJsonBody(body, { maxDepth: 9, maxMembers: 5 }));
      const onText = codeOf(() => checkJsonText(body, { maxDepth: 9, maxMembers: 5 }));
      expect(onText).toBe(onValue);
    }
    expect(codeOf(() => parseJsonBody('{"a":1,"b":[1,2],"c":{}}', limits))).toBeNull();
    expect(codeOf(() => parseJsonBody('{"a":1,"b":[1,2],"c":{},"d":0}', limits))).toBe(
      'json_too_many_members',
    );
    expect(codeOf(() => checkJsonText('{"a":1,"b":[1,2],"c":{},"d":0}', limits))).toBe(
      'json_too_many_members',
    );
  });

  it('skips strings (escaped quotes included) and # comments like stripHashComments', () => {
    expect(codeOf(() => checkJsonText('["[[[[\\\\", "\\"[[[["]', limits))).toBeNull();
    // A comment with a lone quote must not hide the brackets after it.
    expect(codeOf(() => checkJsonText(`{"a":1 # "\n,"b":${nested(4)}}`, limits))).toBe(
      'json_too_deep',
    );
  });

  it('answers 400 invalid_request_error, and the defaults hold a real DTO body', () => {
    let error: AppError | null = null;
    try {
      parseJsonBody(nested(40));
    } catch (caught) {
      error = caught as AppError;
    }
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(JSON_BODY_LIMITS.maxDepth).toBeGreaterThanOrEqual(16);
    expect(GATEWAY_JSON_LIMITS.maxMembers).toBeGreaterThan(JSON_BODY_LIMITS.maxMembers);
  });

  it('stays linear on hostile text (a megabyte of brackets, backslashes or escaped quotes)', () => {
    const started = performance.now();
    expect(codeOf(() => parseJsonBody(nested(500_000)))).toBe('json_too_deep');
    checkJsonText(`"${'\\'.repeat(1_000_000)}"`, JSON_BODY_LIMITS);
    checkJsonText('"\\"'.repeat(300_000), JSON_BODY_LIMITS);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
