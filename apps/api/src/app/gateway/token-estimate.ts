/** Rough token count for text we cannot measure: ≈ one token per four characters. */
export function estimateTokens(chars: number): number {
  return chars <= 0 ? 0 : Math.ceil(chars / 4);
}

function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) {
    return content.reduce<number>((sum, part) => {
      const text = (part as { text?: unknown } | null)?.text;
      return sum + (typeof text === 'string' ? text.length : 0);
    }, 0);
  }
  return 0;
}

/** Prompt size of a chat request (message contents). */
export function chatPromptTokens(messages: unknown[]): number {
  const chars = messages.reduce<number>(
    (sum, m) => sum + contentChars((m as { content?: unknown } | null)?.content),
    0,
  );
  return estimateTokens(chars);
}

/** Prompt size of an embeddings request: strings by characters, token arrays by length. */
export function embeddingPromptTokens(input: unknown): number {
  if (typeof input === 'string') return estimateTokens(input.length);
  if (!Array.isArray(input)) return 0;
  if (input.every((x) => typeof x === 'number')) return input.length;
  return input.reduce<number>((sum, item) => {
    if (typeof item === 'string') return sum + estimateTokens(item.length);
    if (Array.isArray(item)) return sum + item.length;
    return sum;
  }, 0);
}

/** Cost in integer nano-dollars (the only rounding spend ever sees). */
export function costNanos(
  promptTokens: number,
  completionTokens: number,
  inputCostPerToken: number,
  outputCostPerToken: number,
): number {
  return Math.round(
    promptTokens * inputCostPerToken * 1e9 + completionTokens * outputCostPerToken * 1e9,
  );
}
