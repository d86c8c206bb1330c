import { Transform } from 'class-transformer';
import {
  IsInt,
  IsNumber,
  IsObject,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  isEmail,
  type ValidationOptions,
} from 'class-validator';

/*
 * The rules every request field is built from. Each field states its nullability (`Optional`
 * or `Nullable`, never class-validator's `IsOptional`, which lets `null` through to NOT NULL
 * columns) and each string and number carries a bound: what the database, the validators and
 * the JSON columns can hold is decided here, so a hostile value is a 400 naming the field and
 * never a 500 from below. `field-rules.spec.ts` holds every request DTO to this.
 */

/** Budgets and other amounts in USD: stored as nano-dollars in a BIGINT (< 9.2e18). */
export const MAX_USD = 1_000_000_000;
/** tpm/rpm/parallel limits and other counts: the columns are 32-bit integers. */
export const MAX_COUNT = 2_000_000_000;
/** The highest page any list serves: offset paging past this is a scan nobody needs. */
export const MAX_PAGE = 10_000;
/** `metadata` objects: serialized size (UTF-8 bytes) and nesting depth (`{}` is 1). */
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_METADATA_DEPTH = 8;

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}

/**
 * The field may be absent; `null` is refused ("x must not be null"), as the field has no
 * empty value (a NOT NULL column, a flag, a list). The null check is registered under
 * class-validator's `isDefined` type only so that it runs, and is reported, before the
 * field's other rules.
 */
export function Optional(): PropertyDecorator {
  return compose(
    ValidateIf((_object: object, value: unknown) => value !== undefined),
    ValidateBy({
      name: 'isDefined',
      validator: {
        validate: (value: unknown) => value !== null,
        defaultMessage: () => '$property must not be null',
      },
    }),
  );
}

/** The field may be absent or `null`; `null` means "none" (clears it on update). */
export function Nullable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);
}

/** An unpaired UTF-16 surrogate (not valid Unicode; no UTF-8 form) or a NUL character. */
// eslint-disable-next-line no-control-regex
const ILL_FORMED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/;

/** True for a string that is well-formed Unicode without NUL (PostgreSQL text refuses NUL). */
export function isWellFormedText(value: unknown): boolean {
  return typeof value === 'string' && !ILL_FORMED.test(value);
}

export function IsWellFormedText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWellFormedText',
      validator: {
        validate: isWellFormedText,
        defaultMessage: () =>
          options?.each
            ? 'each of $property must be valid Unicode text without NUL characters'
            : '$property must be valid Unicode text without NUL characters',
      },
    },
    options,
  );
}

/** Free text: a string of at most `maxLength` UTF-16 units, well-formed, without NUL. */
export function Text(
  maxLength: number,
  options: { minLength?: number; each?: boolean } = {},
): PropertyDecorator {
  const each = options.each ? { each: true } : undefined;
  return compose(
    IsString(each),
    ...(options.minLength === undefined ? [] : [MinLength(options.minLength, each)]),
    MaxLength(maxLength, each),
    IsWellFormedText(each),
  );
}

/**
 * An email address (at most 254 characters). validator.js's `isEmail` throws on a lone
 * surrogate (it calls `encodeURI`), so the text is checked to be well-formed first.
 */
export function Email(options?: ValidationOptions): PropertyDecorator {
  return compose(
    MaxLength(254, options),
    ValidateBy(
      {
        name: 'isEmail',
        validator: {
          validate: (value: unknown) => isWellFormedText(value) && isEmail(value),
          defaultMessage: () =>
            options?.each
              ? 'each of $property must be an email address'
              : '$property must be an email address',
        },
      },
      options,
    ),
  );
}

/** A finite amount in USD between 0 and `MAX_USD`. */
export function Usd(max = MAX_USD): PropertyDecorator {
  return compose(IsNumber({ allowNaN: false, allowInfinity: false }), Min(0), Max(max));
}

/** A finite number in [min, max] (fractions allowed). */
export function BoundedNumber(min: number, max: number): PropertyDecorator {
  return compose(IsNumber({ allowNaN: false, allowInfinity: false }), Min(min), Max(max));
}

/** An integer in [min, max] from a JSON body. */
export function BoundedInt(min: number, max: number): PropertyDecorator {
  return compose(IsInt(), Min(min), Max(max));
}

/** Plain decimal digits only: no `1e20`, `0x10`, `1.5`, `Infinity`, blanks or signs. */
const DECIMAL_DIGITS = /^[0-9]{1,15}$/;

/**
 * An integer in [min, max] from a query string. Only plain decimal digits are converted;
 * anything else stays a string (or a list, for a repeated parameter) and fails `IsInt`, where
 * `Number()` would have read `1e20` as 10^20 and `0x10` as 16.
 */
export function QueryInt(min: number, max: number): PropertyDecorator {
  return compose(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value,
    ),
    IsInt(),
    Min(min),
    Max(max),
  );
}

/**
 * The nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1), walked without
 * recursion and given up once past `limit` (so a hostile value costs at most its size).
 */
export function jsonDepth(value: unknown, limit = Number.MAX_SAFE_INTEGER): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, here]);
  }
  return deepest;
}

/** Every string in a JSON value, keys included, is well-formed text (see `isWellFormedText`). */
export function isWellFormedJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (!isWellFormedText(node)) return false;
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (!isWellFormedText(key)) return false;
        stack.push(child);
      }
    }
  }
  return true;
}

/** The size in UTF-8 bytes of `JSON.stringify(value)`, or null when it cannot be serialized. */
export function jsonByteLength(value: unknown): number | null {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return null;
  }
  return text === undefined ? null : new TextEncoder().encode(text).byteLength;
}

/** Serializes (as stored in a JSON column) to at most `bytes` UTF-8 bytes. */
export function MaxJsonSize(bytes: number): PropertyDecorator {
  return ValidateBy({
    name: 'maxJsonSize',
    constraints: [bytes],
    validator: {
      validate: (value: unknown) => {
        const size = jsonByteLength(value);
        return size !== null && size <= bytes;
      },
      defaultMessage: () => `$property must serialize to at most ${bytes} bytes of JSON`,
    },
  });
}

/** Nests at most `depth` levels of objects and arrays. */
export function MaxJsonDepth(depth: number): PropertyDecorator {
  return ValidateBy({
    name: 'maxJsonDepth',
    constraints: [depth],
    validator: {
      validate: (value: unknown) => jsonDepth(value, depth) <= depth,
      defaultMessage: () => `$property must nest at most ${depth} levels deep`,
    },
  });
}

/** Every string inside, keys included, is well-formed text without NUL. */
export function IsWellFormedJson(): PropertyDecorator {
  return ValidateBy({
    name: 'isWellFormedJson',
    validator: {
      validate: isWellFormedJson,
      defaultMessage: () => '$property must hold valid Unicode text without NUL characters',
    },
  });
}

/**
 * A free-form `metadata` object: an object (not a list), at most `MAX_METADATA_DEPTH` levels
 * deep and `MAX_METADATA_BYTES` serialized (as the JSON column stores it), every key and
 * string well-formed text.
 */
export function Metadata(): PropertyDecorator {
  return compose(
    IsObject(),
    MaxJsonDepth(MAX_METADATA_DEPTH),
    MaxJsonSize(MAX_METADATA_BYTES),
    IsWellFormedJson(),
  );
}
