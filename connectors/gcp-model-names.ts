// Google Cloud model names: Vertex AI callers name a model by its publisher path, often with an
// `@version`; the Gemini API by `models/<id>`; billing SKUs by a phrase ("Gemini 2.5 Pro").
// Each comes down to the one id Vertex lists the model under (`gemini-2.5-pro`), so bill lines and
// requests meet. A name in none of these shapes is kept as given.

/** `.../publishers/<publisher>/models/<id>` and `models/<id>`: the id is the last segment. */
const MODEL_PATH = /(?:^|\/)models\/([^/]+)$/;

/** Families whose ids Vertex writes in lower case with hyphens; their SKU phrases are folded. */
const FOLDED_FAMILY = /^(?:gemini|claude|gemma|imagen|veo|text-embedding|chirp)\b/i;

/** Gemini stable releases end in a three-digit revision (`gemini-2.0-flash-001`). */
const GEMINI_REVISION = /^(gemini-.+?)-\d{3}$/;

/** Dated previews (`gemini-2.5-flash-preview-05-20`) bill under the preview's own name. */
const DATED_PREVIEW = /^(gemini-.+-preview)-\d{2}-\d{2}$/;

/**
 * The model id for a Google Cloud model name. Publisher paths and `models/` paths give their last
 * segment; an `@version` suffix is dropped; Gemini revision and preview-date suffixes are dropped,
 * as billing does not tell them apart; SKU phrases of known families become the hyphenated id
 * (`Claude Sonnet 4.5` -> `claude-sonnet-4-5`, as Vertex names Anthropic models).
 */
export function normalizeGcpModelId(model: string): string {
  const name = model.trim();
  const fromPath = MODEL_PATH.exec(name)?.[1] ?? name;
  const base = fromPath.replace(/@.*$/, '');
  if (!FOLDED_FAMILY.test(base)) return base;

  const folded = base.toLowerCase().replace(/\s+/g, '-');
  if (folded.startsWith('claude')) return folded.replace(/(\d)\.(\d)/g, '$1-$2');
  const revision = GEMINI_REVISION.exec(folded)?.[1] ?? folded;
  return DATED_PREVIEW.exec(revision)?.[1] ?? revision;
}
