import { parseStreamData, SseDecoder } from './chat-stream';

describe('SseDecoder', () => {
  it('gives the data of whole events, holding back an event split across chunks', () => {
    const sut = new SseDecoder();
    expect(sut.push('data: {"a":1}\n\ndata: {"b"')).toEqual(['{"a":1}']);
    expect(sut.push(':2}\n\n')).toEqual(['{"b":2}']);
    expect(sut.push('event: x\r\ndata: [DONE]\r\n\r\n')).toEqual(['[DONE]']);
  });

  it('skips comments and events without data, and flushes a last unterminated event', () => {
    const sut = new SseDecoder();
    expect(sut.push(': keep-alive\n\n')).toEqual([]);
    expect(sut.push('data: tail')).toEqual([]);
    expect(sut.end()).toEqual(['tail']);
    expect(sut.end()).toEqual([]);
  });
});

describe('parseStreamData', () => {
  it('reads the delta text, and the usage chunk with its total', () => {
    expect(parseStreamData('{"choices":[{"delta":{"content":"Hel"}}]}')).toEqual({
      content: 'Hel',
      usage: null,
      error: null,
    });
    expect(
      parseStreamData('{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5}}'),
    ).toEqual({
      content: '',
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      error: null,
    });
  });

  it('says when the gateway ended the stream with an error', () => {
    expect(parseStreamData('{"error":{"message":"upstream failed"}}')?.error).toBe(
      'upstream failed',
    );
    expect(parseStreamData('{"error":{}}')?.error).toBe('The stream ended with an error');
  });

  it.each(['[DONE]', 'not json', 'null', '42'])('ignores %s', (data) => {
    const part = parseStreamData(data);
    expect(part === null || (part.content === '' && part.usage === null)).toBe(true);
  });
});
