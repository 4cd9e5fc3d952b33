import { describe, expect, it } from 'vitest';
import { arrayElementOffsets, linesOf } from './json-positions.js';

/** The line of each element, computed the way the readers do. */
function elementLines(text: string, key: string | null): number[] | null {
  const offsets = arrayElementOffsets(text, key);
  return offsets === null ? null : linesOf(text, offsets);
}

describe('arrayElementOffsets', () => {
  it('finds where each element of a keyed top-level list starts', () => {
    const text = [
      '{',
      '  "schemas": ["x"],',
      '  "Resources": [',
      '    {"id": "1", "tags": [1, 2], "note": "a, b ] } \\" ["},',
      '',
      '    {',
      '      "id": "2"',
      '    }, 7, "s"',
      '  ]',
      '}',
    ].join('\n');
    expect(elementLines(text, 'Resources')).toEqual([4, 6, 8, 8]);
    const offsets = arrayElementOffsets(text, 'Resources') ?? [];
    expect(offsets.map((o) => text[o])).toEqual(['{', '{', '7', '"']);
  });

  it('finds the elements of a top-level array', () => {
    expect(elementLines('[\n{"a":1},\n{"a":[2,3]}\n]', null)).toEqual([2, 3]);
  });

  it.each([
    ['the key only appears as a value', '{"a": "Resources", "b": [1]}'],
    ['the key is nested', '{"x": {"Resources": [1]}}'],
    ['the value is not a list', '{"Resources": 1}'],
  ])('finds no list when %s', (_, text) => {
    expect(arrayElementOffsets(text, 'Resources')).toBeNull();
  });

  it('returns an empty list for an empty array', () => {
    expect(arrayElementOffsets('{"Resources": [ ]}', 'Resources')).toEqual([]);
  });

  it('follows JSON.parse in keeping the last of duplicate keys and reading escaped keys', () => {
    const text = '{"Resources": [1],\n"Resourc\\u0065s": [\n2, 3]}';
    expect(elementLines(text, 'Resources')).toEqual([3, 3]);
  });
});
