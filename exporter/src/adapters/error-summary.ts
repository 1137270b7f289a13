// What the request log keeps of a provider's error message: a bounded summary with everything that
// could be a person's data or a secret taken out. Provider messages quote the request back (a
// content filter names the blocked prompt text), carry e-mail addresses, URLs with tokens in them
// and, from misconfigured gateways, API keys. The error type and HTTP status are kept as fields of
// their own (error_type, status_code); the message is only a hint for whoever reads the log.
// docs/events.md, "Error messages".

/** Characters of a summary, the trailing "…" included. */
export const MAX_ERROR_SUMMARY = 200;
/** Characters of the raw message looked at; the rest can never reach the summary. */
const SCAN = 2000;

// Opening quote → its closing quote. A straight single quote opens only at the start of a word
// ("can't" and "model's" are apostrophes), and closes only at the end of one.
const PAIRS: Record<string, string> = { '"': '"', '`': '`', '\u201c': '\u201d', '\u201e': '\u201c', '\u2018': '\u2019', '\u00ab': '\u00bb', '\u2039': '\u203a', '\u300c': '\u300d' };

const QUOTE_CHAR = /["'`\u201c\u201e\u2018\u00ab\u2039\u300c]/;

/** Quoted spans → "[quoted]"; an unterminated quote hides everything after it. */
function scrubQuoted(s: string): string {
  if (!QUOTE_CHAR.test(s)) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const single = c === "'" && (i === 0 || /[\s([{:=,;]/.test(s[i - 1]));
    const close = single ? "'" : PAIRS[c];
    if (close === undefined || (c === "'" && !single)) {
      out += c;
      i++;
      continue;
    }
    let j = i + 1;
    for (; j < s.length; j++) {
      if (s[j] !== close) continue;
      if (!single || j + 1 === s.length || !/[\p{L}\p{N}]/u.test(s[j + 1])) break;
    }
    out += '[quoted]';
    i = j + 1;
  }
  return out;
}

// Order matters: URLs before e-mails (user@host inside a URL), keys before the generic long runs.
// A rule with a guard only runs when the message contains it (keeps the regexes off long inputs).
type Rule = [RegExp, string | ((m: string, ...groups: string[]) => string), string?];
const RULES: Rule[] = [
  [/\b[a-z][a-z0-9+.-]{0,30}:\/\/\S+/gi, '[url]', '://'],
  [/\bwww\.\S+/gi, '[url]', 'www.'],
  [/[^\s@]{0,254}@[^\s@]+/g, '[email]', '@'],
  [/\b(bearer|basic)\s+\S+/gi, '$1 [secret]'],
  [/\b(api[_-]?key|access[_-]?token|token|secret|password|passwd|authorization|x-api-key)(\s*[:=]\s*)\S+/gi, '$1$2[secret]'],
  [/\beyJ[\w-]+\.[\w-]+(\.[\w-]+)?/g, '[secret]', 'eyJ'], // JWT
  [/\b(sk|pk|rk)[-_][\w-]{8,}/gi, '[secret]'], // sk-…, sk-ant-…, sk_live_…
  [/\b(AIza[\w-]{20,}|AKIA[0-9A-Z]{12,}|gh[pousr]_\w{20,}|xox[abprs]-[\w-]{10,}|hf_\w{20,})/g, '[secret]'],
  // Long hex or base64/base64url runs (hashes, keys, session tokens): 32+ characters mixing
  // letters and digits, so a long plain word is left alone.
  [/[A-Za-z0-9+/_-]{32,}={0,2}/g, (m) => (/\d/.test(m) && /[A-Za-z]/.test(m) ? '[secret]' : m)],
  [/\+?\d[\d ().-]{7,}\d/g, '[number]'], // phone, card and account numbers, IP addresses
];

/**
 * The message reduced to a safe summary: control characters flattened, quoted text, URLs, e-mail
 * addresses, API keys, bearer tokens, long hex/base64 runs and long digit runs replaced by
 * placeholders, cut to MAX_ERROR_SUMMARY characters. undefined for an absent or empty message.
 */
export function summarizeErrorMessage(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  // Providers repeat the same few messages (rate limits, overload) during an incident.
  if (cache.has(message)) return cache.get(message);
  const summary = summarize(message);
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  if (message.length <= 500) cache.set(message, summary);
  return summary;
}

const CACHE_ENTRIES = 1000;
const cache = new Map<string, string | undefined>();

function summarize(message: string): string | undefined {
  let s = message.length > SCAN ? message.slice(0, SCAN) : message;
  // A cut may split a token in two; drop the partial word so no fragment of one survives.
  if (message.length > SCAN) s = s.replace(/\S*$/, '');
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  s = scrubQuoted(s);
  for (const [re, to, guard] of RULES) {
    if (guard !== undefined && !s.includes(guard)) continue;
    s = typeof to === 'string' ? s.replace(re, to) : s.replace(re, to);
  }
  s = s.replace(/\s+/g, ' ').trim();
  if (s === '') return undefined;
  if (s.length <= MAX_ERROR_SUMMARY) return s;
  let cut = s.slice(0, MAX_ERROR_SUMMARY - 1);
  // Never leave half a placeholder ("[secr").
  const open = cut.lastIndexOf('[');
  if (open > cut.lastIndexOf(']')) cut = cut.slice(0, open);
  return `${cut.trimEnd()}…`;
}
