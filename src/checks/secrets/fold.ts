/**
 * Credential keys spelled outside ASCII, folded onto the ASCII keys the rules know. The rules' keywords and patterns
 * are ASCII: `пароль: …`, `密码: …`, `ｐａｓｓｗｏｒｄ: …` (fullwidth) or `раssword: …` (a Cyrillic `р` and `а`)
 * held a committed password no rule read. Rather than list spellings, a key is normalised: NFKC (fullwidth and
 * mathematical letters, ligatures), lowercase, accents dropped, and Latin look-alikes from other scripts
 * (Cyrillic, Greek, small capitals) read as the Latin letter they imitate; a key that then names a credential is
 * written over the original key, same length, so every offset, line and value stays where it was. A key that is
 * the word for password in a script with no Latin look-alike (`пароль`, `密码`, `パスワード`) becomes `pw--…`.
 *
 * Only keys are folded (a run of word characters with a non-ASCII one, followed by `:`, `=` or `>` after an optional
 * quote and blanks): values are never rewritten. Called only for texts that hold a non-ASCII character (the keyword
 * pass says so for free), and each run is read once: linear in the text.
 */

/** Letters of other scripts that imitate a Latin letter (after lowercasing), as Unicode's confusables list pairs them. */
const LOOK_ALIKES: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ӏ: 'l',
  ү: 'y',
  ɡ: 'g',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  ζ: 'z',
  η: 'h',
  ι: 'i',
  κ: 'k',
  μ: 'm',
  ν: 'n',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'y',
  χ: 'x',
  ϲ: 'c',
  ϳ: 'j',
  // Latin letters that are not the ASCII one (dotless i, small capitals, stroked letters)
  ı: 'i',
  ȷ: 'j',
  ɑ: 'a',
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
  ſ: 's',
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
  // Armenian
  օ: 'o',
  ս: 'u',
  հ: 'h',
};

/** The word for password in scripts without Latin look-alikes, as NFKC and lowercasing leave it. */
const FOREIGN_WORDS = [
  'пароль', // Russian, Ukrainian, Belarusian
  'парола', // Bulgarian
  'лозинка', // Serbian, Macedonian
  'κωδικ', // Greek (κωδικός)
  '密码', // Chinese (simplified)
  '密碼', // Chinese (traditional)
  '口令',
  'パスワード', // Japanese (halfwidth katakana folds here by NFKC)
  '暗証番号',
  '비밀번호', // Korean
  '암호',
  'סיסמה', // Hebrew
  'סיסמא',
  'كلمةالمرور', // Arabic, written as one key
  'รหัสผ่าน', // Thai
];

/** Latin-script words for password the rules do not know as keywords (after folding): read as `pw`. */
const LATIN_WORDS = /haslo|sifre|jelszo|parola|geslo|lozinka|heslo/;

/** A folded key worth writing over the original: it names a credential the rules look for. */
const CREDENTIAL_STEM =
  /pass|pwd|pw|secret|token|key|credential|auth|kennwort|contrasena|wachtwoord|senha|salasana|losenord/;

/** Longest run read as a key: a key is a few words (a paragraph of CJK text without blanks is not one). */
const MAX_KEY = 64;

const NON_ASCII = /[\u0080-\uffff]/g;
const COMBINING = /[\u0300-\u036f]/g;

/** `[A-Za-z0-9_.-]`, the key characters of the rules. */
function isAsciiKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}

/** A UTF-16 unit that may be part of a word outside ASCII: anything but blanks, quotes and punctuation of CJK text. */
function isWideWordUnit(c: number): boolean {
  if (c < 0x80) return false;
  return !(
    c === 0xa0 ||
    c === 0xab ||
    c === 0xbb ||
    (c >= 0x2000 && c <= 0x206f) || // spaces, dashes, quotes, line separators
    c === 0x3000 ||
    c === 0x3001 ||
    c === 0x3002 ||
    c === 0xfeff ||
    (c >= 0xff01 && c <= 0xff0f) || // fullwidth punctuation
    (c >= 0xff1a && c <= 0xff20)
  );
}

const isWordUnit = (c: number): boolean => isAsciiKeyChar(c) || isWideWordUnit(c);

/** After the run ends at `e`: an optional quote, blanks, then `:`, `=` or `>` (YAML, JSON, env, properties, XML). */
function atKeyEnd(text: string, e: number): boolean {
  let i = e;
  let c = text.charCodeAt(i);
  if (c === 34 || c === 39) c = text.charCodeAt(++i);
  while (c === 32 || c === 9) c = text.charCodeAt(++i);
  return c === 58 || c === 61 || c === 62;
}

/** The ASCII key written over `run` (same length), or undefined when the run names no credential. */
export function foldKey(run: string): string | undefined {
  const lower = run.normalize('NFKC').toLowerCase();
  const compact = lower.replace(/[_.\s-]/g, '');
  if (run.length >= 2 && FOREIGN_WORDS.some((w) => compact.includes(w))) return `pw${'-'.repeat(run.length - 2)}`;
  let latin = '';
  for (const ch of lower.normalize('NFD').replace(COMBINING, '')) {
    const code = ch.charCodeAt(0);
    const mapped = code < 0x80 ? ch : LOOK_ALIKES[ch];
    if (mapped === undefined) return undefined;
    latin += mapped;
  }
  if (latin.length > run.length) return undefined;
  latin = latin.replace(LATIN_WORDS, (w) => `pw${'-'.repeat(w.length - 2)}`);
  if (!CREDENTIAL_STEM.test(latin)) return undefined;
  return latin + '-'.repeat(run.length - latin.length);
}

/**
 * `text` with every credential key outside ASCII written as the ASCII key it spells (same length), or undefined when
 * there is none.
 */
export function foldCredentialKeys(text: string): string | undefined {
  let out = '';
  let copied = 0;
  NON_ASCII.lastIndex = 0;
  for (let m = NON_ASCII.exec(text); m !== null; m = NON_ASCII.exec(text)) {
    let s = m.index;
    let e = s + 1;
    while (s > 0 && isWordUnit(text.charCodeAt(s - 1))) s--;
    while (e < text.length && isWordUnit(text.charCodeAt(e))) e++;
    NON_ASCII.lastIndex = e;
    if (e - s > MAX_KEY || !atKeyEnd(text, e)) continue;
    const key = foldKey(text.slice(s, e));
    if (key === undefined) continue;
    out += text.slice(copied, s) + key;
    copied = e;
  }
  NON_ASCII.lastIndex = 0;
  return copied === 0 ? undefined : out + text.slice(copied);
}
