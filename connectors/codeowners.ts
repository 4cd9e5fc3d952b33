// GitHub CODEOWNERS: which team or person owns a path of a repository. Patterns follow gitignore,
// matched one at a time with the `ignore` package, with GitHub's differences: the last matching
// line wins outright, a trailing `/*` owns direct children only, and `!`, `[ ]` and `\` escapes
// are not supported, so such a line is refused and the rest of the file still applies.
import ignore, { type Ignore } from 'ignore';
import type { Quarantined } from '../attribution/index.js';

export interface CodeownersRule {
  pattern: string;
  /** Verbatim: `@org/team`, `@user` or an email. Empty for a line that clears ownership. */
  owners: string[];
  line: number;
}

export interface CodeownersMatch {
  owners: string[];
  line: number;
  pattern: string;
}

export interface CodeownersFile {
  file: string;
  rules: CodeownersRule[];
  /** Lines that could not be used, each named by its line. */
  problems: Quarantined[];
  /** The rule that decides `path` (relative to the repository root), or null when none does. */
  ownersOf(path: string): CodeownersMatch | null;
}

const USER_OR_TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

interface CompiledRule extends CodeownersRule {
  matcher: Ignore;
  directChildrenOnly: boolean;
}

/** `connector` names the source in problem records, e.g. the repository. */
export function parseCodeowners(
  text: string,
  file: string,
  connector = 'codeowners',
): CodeownersFile {
  const rules: CompiledRule[] = [];
  const problems: Quarantined[] = [];
  const refuse = (line: number, field: string, reason: string): void => {
    problems.push({ source: { connector, file, line }, field, reason });
  };

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;

    // An inline comment ends the owners: `*.js @a # legacy` is owned by @a alone.
    const tokens = content.split(/\s+/);
    const commentAt = tokens.findIndex((token) => token.startsWith('#'));
    const [pattern = '', ...owners] = commentAt === -1 ? tokens : tokens.slice(0, commentAt);

    const unsupported = unsupportedSyntax(pattern);
    if (unsupported !== null) return refuse(line, 'pattern', `${pattern}: ${unsupported}`);
    const badOwner = owners.find((owner) => !USER_OR_TEAM.test(owner) && !EMAIL.test(owner));
    if (badOwner !== undefined) {
      return refuse(line, 'owners', `${badOwner} is not an @user, an @org/team or an email`);
    }

    rules.push({
      pattern,
      owners,
      line,
      matcher: ignore({ ignorecase: false }).add(pattern),
      directChildrenOnly: pattern.endsWith('/*'),
    });
  });

  return {
    file,
    rules: rules.map(({ pattern, owners, line }) => ({ pattern, owners, line })),
    problems,
    ownersOf: (path) => ownersOf(rules, path),
  };
}

function unsupportedSyntax(pattern: string): string | null {
  if (pattern.startsWith('!')) return 'negation (!) is not supported in CODEOWNERS';
  if (/[[\]]/.test(pattern)) return 'character ranges ([ ]) are not supported in CODEOWNERS';
  if (pattern.includes('\\')) return 'escapes (\\) are not supported in CODEOWNERS';
  return null;
}

function ownersOf(rules: readonly CompiledRule[], path: string): CodeownersMatch | null {
  const relative = path.replace(/^(?:\.?\/)+/, '');
  if (relative === '' || !ignore.isPathValid(relative)) return null;

  for (let i = rules.length - 1; i >= 0; i -= 1) {
    const rule = rules[i];
    if (rule !== undefined && matches(rule, relative)) {
      return { owners: [...rule.owners], line: rule.line, pattern: rule.pattern };
    }
  }
  return null;
}

/**
 * gitignore semantics extend a match on a folder to everything under it, which CODEOWNERS keeps,
 * except for a trailing `/*`: `docs/*` owns `docs/a.md` and not `docs/guides/a.md`.
 */
function matches(rule: CompiledRule, path: string): boolean {
  if (!rule.matcher.ignores(path)) return false;
  if (!rule.directChildrenOnly) return true;
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  return parent === '' || !rule.matcher.ignores(parent);
}
