/** The body of every error answer, OpenAI/LiteLLM style. */
export interface ErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string;
  };
}

/** Ids we mint are UUIDs; ids given by admins are short printable tokens. */
export const ID_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
