// One name per Azure-hosted model, however the source spells it. Diagnostic logs name Azure's model
// (`gpt-35-turbo`, version apart), responses add a date (`gpt-4o-2024-05-13`), and meter names
// write the same model with spaces, a short version and a context size (`gpt 4o 0513`,
// `gpt-35-turbo-4k`). Bills and requests meet on the base model: a version or context size is a
// price detail of one line, not a different caller.

/** Suffixes that name a version, a preview or a context size of the same model. */
const VARIANT_SUFFIXES: readonly RegExp[] = [
  /-\d{4}-\d{2}-\d{2}$/,
  /-\d{4}$/,
  /-preview$/,
  /-\d+k$/,
];

/** Models whose meters use a short name of their own. */
const ALIASES: Readonly<Record<string, string>> = {
  r1: 'deepseek-r1',
};

/**
 * The base model id of an Azure model name, deployment name or meter model. Lower case, words
 * joined by `-`, `gpt-3.5` written `gpt-35` as Azure does, and version, preview and context-size
 * suffixes dropped. A name that is none of these (a deployment name the caller chose) comes back
 * in the same lower-case, hyphenated form and is otherwise kept as given.
 */
export function normalizeAzureModelId(model: string): string {
  let name = model
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^gpt(?=\d)/, 'gpt-')
    .replace(/^gpt-3\.5(?=-|$)/, 'gpt-35');

  for (let changed = true; changed;) {
    changed = false;
    for (const suffix of VARIANT_SUFFIXES) {
      const shorter = name.replace(suffix, '');
      // A bare number is a name of its own, not a model with a suffix.
      if (shorter !== name && /[a-z]/.test(shorter)) {
        name = shorter;
        changed = true;
      }
    }
  }
  return ALIASES[name] ?? name;
}
