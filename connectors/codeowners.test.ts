import { describe, expect, it } from 'vitest';
import { parseCodeowners } from './codeowners.js';

const owners = (text: string, path: string): string[] | null =>
  parseCodeowners(text, 'CODEOWNERS').ownersOf(path)?.owners ?? null;

describe('parseCodeowners ownersOf', () => {
  it.each([
    ['/packages/* @a', 'packages/x.js', ['@a']],
    ['/packages/* @a', 'packages/x/y.js', null],
    ['docs/* docs@acme.example', 'docs/getting-started.md', ['docs@acme.example']],
    ['docs/* docs@acme.example', 'docs/build-app/troubleshooting.md', null],
    ['apps/ @b', 'src/apps/x/y.ts', ['@b']],
    ['apps/ @b', 'apps/z.ts', ['@b']],
    ['apps/ @b', 'src/apps.ts', null],
    ['/build/logs/ @c', 'build/logs/a/b.log', ['@c']],
    ['/build/logs/ @c', 'x/build/logs/a.log', null],
    ['**/logs @d', 'deeply/nested/logs/run.txt', ['@d']],
    ['*.js @e', 'src/deep/a.js', ['@e']],
    ['*.js @e', 'src/deep/a.ts', null],
    ['src/*.ts @f', 'src/a.ts', ['@f']],
    ['src/*.ts @f', 'src/sub/a.ts', null],
    ['* @org/everyone', 'any/where/at/all.md', ['@org/everyone']],
    ['/README.md @g', 'README.md', ['@g']],
    ['/README.md @g', 'docs/README.md', null],
    ['/Docs/ @h', 'docs/a.md', null],
    ['/Docs/ @h', 'Docs/a.md', ['@h']],
  ])('%s gives %s the owners %j', (text, path, expected) => {
    expect(owners(text, path)).toEqual(expected);
  });

  it('lets the last matching line win, without merging owners', () => {
    const text = ['* @org/all', '*.js @org/js', '/src/legacy/ @org/legacy'].join('\n');
    const file = parseCodeowners(text, 'CODEOWNERS');
    expect(file.ownersOf('src/legacy/a.js')).toEqual({
      owners: ['@org/legacy'],
      line: 3,
      pattern: '/src/legacy/',
    });
    expect(file.ownersOf('src/a.js')).toEqual({ owners: ['@org/js'], line: 2, pattern: '*.js' });
    expect(file.ownersOf('src/a.py')).toEqual({ owners: ['@org/all'], line: 1, pattern: '*' });
  });

  it('lets a later line repeating a pattern override the earlier one', () => {
    const file = parseCodeowners('/api/ @old-team\n/api/ @org/new-team', 'CODEOWNERS');
    expect(file.ownersOf('api/x.ts')).toMatchObject({ owners: ['@org/new-team'], line: 2 });
  });

  it('clears ownership with a pattern that names no owners, and says which line did', () => {
    const file = parseCodeowners('/apps/ @octocat\n/apps/github\n', 'CODEOWNERS');
    expect(file.ownersOf('apps/github/main.go')).toEqual({
      owners: [],
      line: 2,
      pattern: '/apps/github',
    });
    expect(file.ownersOf('apps/other/main.go')).toMatchObject({ owners: ['@octocat'] });
  });

  it('does not take an inline comment for owners', () => {
    expect(owners('*.js @a # legacy owners @b', 'x.js')).toEqual(['@a']);
  });

  it('returns owners verbatim and skips comments and blank lines', () => {
    const file = parseCodeowners(
      '# owners\n\n*.go @Org/Go-Team a.person@acme.example @User-1\r\n',
      'CODEOWNERS',
    );
    expect(file.rules).toEqual([
      { pattern: '*.go', owners: ['@Org/Go-Team', 'a.person@acme.example', '@User-1'], line: 3 },
    ]);
    expect(file.problems).toEqual([]);
  });

  it('accepts a path given with a leading slash or ./', () => {
    expect(owners('/src/ @a', '/src/x.ts')).toEqual(['@a']);
    expect(owners('/src/ @a', './src/x.ts')).toEqual(['@a']);
  });

  it('refuses unsupported syntax by line and still applies every other line', () => {
    const text = [
      '* @org/all',
      '!/vendor/ @org/none',
      '/src/[ab]/ @org/ab',
      '\\#notes.md @org/notes',
      '/lib/ not-an-owner',
      '/docs/ @org/docs',
    ].join('\n');
    const file = parseCodeowners(text, 'github.com/acme/shop/CODEOWNERS', 'acme/shop');
    expect(file.problems.map((p) => [p.source.line, p.field])).toEqual([
      [2, 'pattern'],
      [3, 'pattern'],
      [4, 'pattern'],
      [5, 'owners'],
    ]);
    expect(file.problems[0]).toEqual({
      source: { connector: 'acme/shop', file: 'github.com/acme/shop/CODEOWNERS', line: 2 },
      field: 'pattern',
      reason: '!/vendor/: negation (!) is not supported in CODEOWNERS',
    });
    expect(file.ownersOf('docs/a.md')?.owners).toEqual(['@org/docs']);
    expect(file.ownersOf('vendor/x.go')?.owners).toEqual(['@org/all']);
    expect(file.ownersOf('src/a/x.ts')?.owners).toEqual(['@org/all']);
  });

  it('finds no owner for a path no line matches', () => {
    expect(parseCodeowners('/src/ @a', 'CODEOWNERS').ownersOf('test/x.ts')).toBeNull();
  });
});
