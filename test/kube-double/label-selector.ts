// Label selectors as list and watch requests spell them: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
// `a in (x,y)`, `a notin (x,y)`, joined by commas.

type Requirement = (labels: Record<string, string>) => boolean;

export function parseLabelSelector(text: string | null): Requirement {
  if (!text) return () => true;
  const requirements: Requirement[] = [];
  for (const part of text.match(/[^,(]+(\([^)]*\))?/g) ?? []) {
    const term = part.trim();
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const [, key, op, list] = set;
      const values = list!.split(',').map((v) => v.trim());
      requirements.push((l) => (op === 'in') === (key! in l && values.includes(l[key!]!)));
      continue;
    }
    const compare = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (compare) {
      const [, key, op, value] = compare;
      requirements.push((l) => (op === '!=') !== (l[key!.trim()] === value!.trim()));
      continue;
    }
    if (term.startsWith('!')) requirements.push((l) => !(term.slice(1) in l));
    else requirements.push((l) => term in l);
  }
  return (labels) => requirements.every((r) => r(labels));
}
