/**
 * Password validators, as Django's `password_validation`: instances in a list, each returning its
 * problem as a value (a weak password is an expected outcome). Misconfiguration throws
 * `ConfigError` when a validator is built, at start-up, never while a user types a password.
 */
import { createRequire } from 'node:module';
import { ConfigError, ValidationError } from './errors.js';
import type { User } from './user.js';

/** One reason a password was refused; `code` is stable, `message` is for the user. */
export interface PasswordProblem {
  code: string;
  message: string;
}

/** The user fields validators may compare a password against. */
export type PasswordUserAttributes = Partial<Pick<User, 'username' | 'email' | 'firstName' | 'lastName'>>;

/** A user attribute `UserAttributeSimilarityValidator` can compare with. */
export type SimilarityAttribute = keyof PasswordUserAttributes;

/**
 * What a validator knows about the site a password is chosen for: its own words (site name, app
 * labels, role names, `passwordContextWords`), which an attacker tries first against any account
 * of it (NIST SP 800-63B-4 §3.1.1.2: "context-specific words, such as the name of the service").
 */
export interface PasswordContext {
  /** Words of the site; compared case-insensitively. */
  readonly words?: readonly string[];
}

/** What every password validator implements. */
export interface PasswordValidator {
  /** The problem with `password` for `user` on a site described by `context`, or null when it passes. */
  validate(password: string, user?: PasswordUserAttributes, context?: PasswordContext): PasswordProblem | null;
  /** One sentence telling the user what this validator requires. */
  helpText(): string;
}

const OPTION_CODE = 'gatehouse.config.invalid_password_validator_option';

/**
 * Refuses option keys a validator does not know. A misspelt key (`minLenght: 12`) would
 * otherwise be ignored and leave the weaker default in force without anyone noticing.
 */
function checkOptionKeys(validator: string, options: object, allowed: readonly string[]): void {
  const unknown = Object.keys(options).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw new ConfigError(OPTION_CODE, `${validator}: unknown option "${unknown}"; known: ${allowed.join(', ') || 'none'}.`);
  }
}

/** Options of `MinimumLengthValidator`. */
export interface MinimumLengthOptions {
  /** Fewest characters (Unicode code points, as Python's `len`) a password may have. Default 15. */
  minLength?: number;
}

/**
 * NIST SP 800-63B-4 §3.1.1.2: a password that is the only authenticator of an account is at least
 * 15 characters long (8 is allowed only as part of multi-factor authentication, which gatehouse
 * does not provide). Django's 8 is below it.
 */
export const DEFAULT_MIN_PASSWORD_LENGTH = 15;

/** Refuses passwords shorter than `minLength` characters. Code `password_too_short`. */
export class MinimumLengthValidator implements PasswordValidator {
  readonly minLength: number;

  constructor(options: MinimumLengthOptions = {}) {
    checkOptionKeys('minimumLength', options, ['minLength']);
    const minLength = options.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH;
    if (!Number.isSafeInteger(minLength) || minLength < 0) {
      throw new ConfigError(OPTION_CODE, `minimumLength: minLength must be a whole number >= 0, got ${String(minLength)}.`);
    }
    this.minLength = minLength;
  }

  validate(password: string): PasswordProblem | null {
    // Count code points, not UTF-16 units, so an emoji counts once as in Django; stop counting
    // at the minimum so a huge input costs no more than a short one.
    let count = 0;
    for (const _char of password) if (++count >= this.minLength) break;
    if (count >= this.minLength) return null;
    return { code: 'password_too_short', message: `This password is too short. It must contain at least ${this.describe()}.` };
  }

  helpText(): string {
    return `Your password must contain at least ${this.describe()}.`;
  }

  private describe(): string {
    return `${this.minLength} character${this.minLength === 1 ? '' : 's'}`;
  }
}

/**
 * difflib's `SequenceMatcher(a, b).quick_ratio()`: 2·M / (|a| + |b|), M counting the characters
 * both strings share as multisets, order ignored. An upper bound of the Ratcliff/Obershelp ratio
 * in linear time, and what Django's similarity validator compares against `max_similarity`.
 * Lengths are in code points; two empty strings are identical (1), as in difflib.
 */
export function quickRatio(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  const total = left.length + right.length;
  if (total === 0) return 1;
  const available = new Map<string, number>();
  for (const char of right) available.set(char, (available.get(char) ?? 0) + 1);
  let matches = 0;
  for (const char of left) {
    const count = available.get(char) ?? 0;
    if (count > 0) {
      available.set(char, count - 1);
      matches++;
    }
  }
  return (2 * matches) / total;
}

/** Options of `UserAttributeSimilarityValidator`. */
export interface UserAttributeSimilarityOptions {
  /** Which user fields to compare with. Default username, first name, last name, email. */
  attributes?: readonly SimilarityAttribute[];
  /** Refuse at this `quickRatio` or above; between 0.1 and 1. Default 0.7. */
  maxSimilarity?: number;
}

const VERBOSE_NAMES = { username: 'username', firstName: 'first name', lastName: 'last name', email: 'email address' } as const;
const SIMILARITY_ATTRIBUTES = Object.freeze(Object.keys(VERBOSE_NAMES)) as readonly SimilarityAttribute[];

/**
 * Refuses passwords too similar to the user's own details, which an attacker who knows the
 * account guesses first. Each attribute is compared whole and split on non-word characters, so
 * `jane.doe@example.com` also rules out `jane`, `doe` and `example`. Code `password_too_similar`.
 */
export class UserAttributeSimilarityValidator implements PasswordValidator {
  readonly attributes: readonly SimilarityAttribute[];
  readonly maxSimilarity: number;

  constructor(options: UserAttributeSimilarityOptions = {}) {
    checkOptionKeys('userAttributeSimilarity', options, ['attributes', 'maxSimilarity']);
    const attributes = options.attributes ?? SIMILARITY_ATTRIBUTES;
    const unknown = attributes.find((attribute) => !SIMILARITY_ATTRIBUTES.includes(attribute));
    if (unknown !== undefined) throw new ConfigError(OPTION_CODE, `userAttributeSimilarity: unknown attribute "${String(unknown)}".`);
    const maxSimilarity = options.maxSimilarity ?? 0.7;
    // Below 0.1 nearly every password would count as similar to something (Django's limit too).
    if (!(maxSimilarity >= 0.1 && maxSimilarity <= 1)) {
      throw new ConfigError(OPTION_CODE, `userAttributeSimilarity: maxSimilarity must be in [0.1, 1], got ${String(maxSimilarity)}.`);
    }
    this.attributes = Object.freeze([...attributes]);
    this.maxSimilarity = maxSimilarity;
  }

  validate(password: string, user?: PasswordUserAttributes): PasswordProblem | null {
    if (!user) return null;
    const lowered = password.toLowerCase();
    const passwordLength = [...lowered].length;
    for (const attribute of this.attributes) {
      const value = user[attribute];
      if (typeof value !== 'string' || value === '') continue;
      const whole = value.toLowerCase();
      for (const part of [...whole.split(/[^\p{L}\p{N}_]+/u), whole]) {
        // An empty part (from a trailing separator) says nothing about the password.
        if (part === '') continue;
        // quickRatio never exceeds 2·min(lengths)/(sum of lengths); when even that is below the
        // threshold, skip. Django's length-ratio guard made exact: it saves work, changes no answer.
        const partLength = [...part].length;
        if (2 * Math.min(passwordLength, partLength) < this.maxSimilarity * (passwordLength + partLength)) continue;
        if (quickRatio(lowered, part) >= this.maxSimilarity) {
          return { code: 'password_too_similar', message: `The password is too similar to the ${VERBOSE_NAMES[attribute]}.` };
        }
      }
    }
    return null;
  }

  helpText(): string {
    return "Your password can't be too similar to your other personal information.";
  }
}

/** Options of `CommonPasswordValidator`. */
export interface CommonPasswordOptions {
  /** A list to use instead of the bundled one; compared lower-cased and trimmed. */
  passwords?: Iterable<string>;
}

let bundledCommonPasswords: ReadonlySet<string> | undefined;

/**
 * The ~49,000 passwords of `@zxcvbn-ts/language-common`, lower-cased, built once on first use.
 * The package decompresses all its word lists when loaded (tens of milliseconds), so it is
 * required on demand rather than imported: apps that never validate a password never pay.
 */
function loadBundledCommonPasswords(): ReadonlySet<string> {
  if (bundledCommonPasswords) return bundledCommonPasswords;
  const require = createRequire(import.meta.url);
  const language = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const list: unknown = language.dictionary?.['passwords-common'];
  if (!Array.isArray(list)) {
    const message = 'commonPassword: @zxcvbn-ts/language-common has no passwords-common list; reinstall it.';
    throw new ConfigError('gatehouse.config.common_passwords_unavailable', message);
  }
  bundledCommonPasswords = toLowerSet(list as readonly string[]);
  return bundledCommonPasswords;
}

function toLowerSet(passwords: Iterable<string>): ReadonlySet<string> {
  const set = new Set<string>();
  for (const password of passwords) set.add(password.trim().toLowerCase());
  return set;
}

/** Refuses commonly used passwords, the first a password-spraying run tries. Code `password_too_common`. */
export class CommonPasswordValidator implements PasswordValidator {
  private readonly custom: Iterable<string> | undefined;
  private set: ReadonlySet<string> | undefined;

  constructor(options: CommonPasswordOptions = {}) {
    checkOptionKeys('commonPassword', options, ['passwords']);
    // Copied now so a caller mutating its array later cannot change what is enforced.
    this.custom = options.passwords === undefined ? undefined : [...options.passwords];
  }

  validate(password: string): PasswordProblem | null {
    this.set ??= this.custom === undefined ? loadBundledCommonPasswords() : toLowerSet(this.custom);
    if (!this.set.has(password.trim().toLowerCase())) return null;
    return { code: 'password_too_common', message: 'This password is too common.' };
  }

  helpText(): string {
    return "Your password can't be a commonly used password.";
  }
}

/** Refuses all-digit passwords (any script's digits), quick to brute-force. Code `password_entirely_numeric`. */
export class NumericPasswordValidator implements PasswordValidator {
  validate(password: string): PasswordProblem | null {
    if (!/^\p{Nd}+$/u.test(password)) return null;
    return { code: 'password_entirely_numeric', message: 'This password is entirely numeric.' };
  }

  helpText(): string {
    return "Your password can't be entirely numeric.";
  }
}

/** Context words shorter than this are ignored: two letters occur by chance in any password. */
const MIN_CONTEXT_WORD_LENGTH = 3;

/**
 * The words a password must not be built from: the username, the email's local part, its pieces
 * and its domain labels, the first and last names, and the site's own words, lower-cased, split
 * on non-word characters, deduplicated, and at least 3 characters long.
 */
export function contextWordsFor(user: PasswordUserAttributes | undefined, context: PasswordContext | undefined): string[] {
  const words = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value !== 'string') return;
    const lowered = value.normalize('NFKC').toLowerCase();
    for (const part of [lowered, ...lowered.split(/[^\p{L}\p{N}]+/u)]) {
      if ([...part].length >= MIN_CONTEXT_WORD_LENGTH) words.add(part);
    }
  };
  if (user) {
    add(user.username);
    add(user.firstName);
    add(user.lastName);
    const email = typeof user.email === 'string' ? user.email : '';
    const at = email.lastIndexOf('@');
    // The local part and every domain label: `jane.doe@mail.acme.example` gives jane.doe, jane,
    // doe, mail, acme, example.
    if (at >= 0) {
      add(email.slice(0, at));
      for (const label of email.slice(at + 1).split('.')) add(label);
    } else add(email);
  }
  for (const word of context?.words ?? []) add(word);
  return [...words];
}

// Common letter-for-symbol swaps, folded the same way on both sides so `B1ll1ng` still reads as
// `billing`. `l` folds to `i` as `1` does, because `1` stands for either.
const LEET: Readonly<Record<string, string>> = {
  '4': 'a',
  '@': 'a',
  '3': 'e',
  '1': 'i',
  '!': 'i',
  '|': 'i',
  l: 'i',
  '0': 'o',
  '5': 's',
  $: 's',
  '7': 't',
  '+': 't',
};

function foldForContext(value: string): string {
  let out = '';
  for (const char of value.normalize('NFKC').toLowerCase()) {
    const folded = LEET[char] ?? char;
    if (/\p{L}/u.test(folded)) out += folded;
  }
  return out;
}

/** Options of `ContextWordsValidator`. */
export interface ContextWordsOptions {
  /** Refuse when fewer than this many letters are left once the context words are taken out. Default 5. */
  minOtherLetters?: number;
  /** Characters looked at; the rest is ignored. Default 256. */
  maxAnalysedLength?: number;
}

/**
 * Refuses passwords made of little but the user's and the site's own words (`Acme-Billing-2024!`,
 * `jane.doe.jane.doe`): an attacker aiming at this site or this person tries those first, and NIST
 * SP 800-63B-4 lists them among the values a password must be compared against. The password and
 * the words are lower-cased and de-l33ted alike; every occurrence of every word (longest first)
 * is taken out with the non-letters, and what remains must still hold `minOtherLetters` letters.
 * Code `password_context_specific`; the message does not repeat which word matched.
 */
export class ContextWordsValidator implements PasswordValidator {
  readonly minOtherLetters: number;
  readonly maxAnalysedLength: number;

  constructor(options: ContextWordsOptions = {}) {
    checkOptionKeys('contextWords', options, ['minOtherLetters', 'maxAnalysedLength']);
    this.minOtherLetters = wholeNumberAtLeast('contextWords', 'minOtherLetters', options.minOtherLetters ?? 5, 0);
    this.maxAnalysedLength = wholeNumberAtLeast('contextWords', 'maxAnalysedLength', options.maxAnalysedLength ?? 256, 1);
  }

  validate(password: string, user?: PasswordUserAttributes, context?: PasswordContext): PasswordProblem | null {
    const words = contextWordsFor(user, context)
      .map(foldForContext)
      .filter((word) => word.length >= MIN_CONTEXT_WORD_LENGTH)
      .sort((a, b) => b.length - a.length);
    if (words.length === 0) return null;
    let rest = foldForContext(codePointPrefix(password, this.maxAnalysedLength));
    let found = false;
    for (const word of words) {
      const parts = rest.split(word);
      if (parts.length === 1) continue;
      found = true;
      rest = parts.join('');
    }
    // Only a password that holds a context word is this validator's business: one that is merely
    // short or symbol-heavy is left to the length and strength validators.
    if (!found || [...rest].length >= this.minOtherLetters) return null;
    return { code: 'password_context_specific', message: 'This password is built from your account details or this site’s own words.' };
  }

  helpText(): string {
    return "Your password can't be built from your account details or this site's name.";
  }
}

/** The first `max` code points of `value`, without walking (or copying) the rest of a huge input. */
function codePointPrefix(value: string, max: number): string {
  if (value.length <= max) return value;
  let out = '';
  let count = 0;
  for (const char of value) {
    if (count++ === max) break;
    out += char;
  }
  return out;
}

/** `value` if it is a whole number of at least `min`; else a `ConfigError` naming the validator option. */
function wholeNumberAtLeast(validator: string, option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(OPTION_CODE, `${validator}: ${option} must be a whole number >= ${min}, got ${String(value)}.`);
  }
  return value;
}

/**
 * 10^10 guesses, zxcvbn's score 4 ("very unguessable"). Online, the login throttle lets one
 * address try at most 50 passwords per 15 minutes (about 1.75 million a year), so covering half of
 * 10^10 in a year takes some 2,900 addresses working on one account without pause; NIST caps
 * failed attempts per account far lower still. It also keeps a stolen slow hash (argon2) out of
 * reach of a short offline run. zxcvbn's guesses are the attacker's best order (dictionaries,
 * patterns), not brute force, so 15 random letters score far above it while `passwordpassword123!`
 * (10^6) and `Summer2024!Summer` (10^9) fall below.
 */
export const DEFAULT_MIN_GUESSES_LOG10 = 10;

/**
 * Characters of a password zxcvbn analyses. Its matching grows faster than linearly with length
 * (every substring is looked up in each dictionary, repeats are re-analysed, l33t variants
 * multiply that), and it runs on the event loop, so the analysed prefix is bounded: 48 is over
 * three times the 15-character minimum, holds a passphrase of six or seven words and what most
 * password managers generate, and costs tens of milliseconds at worst (64 cost about three times
 * as much on repeats). A password whose first 48 characters are strong is strong whatever
 * follows; one whose first 48 are weak is refused, which costs an honest user nothing.
 */
export const DEFAULT_STRENGTH_ANALYSED_LENGTH = 48;

const MIN_DISTINCT_CHARACTERS = 5;

const WEAK: PasswordProblem = Object.freeze({
  code: 'password_too_weak',
  message:
    'This password is too easy to guess: common words, names, dates, keyboard patterns and repeats are tried first. Use a longer passphrase of unrelated words.',
});

/** Options of `PasswordStrengthValidator`. */
export interface PasswordStrengthOptions {
  /** Refuse below 10^minGuessesLog10 estimated guesses. Default 10 (see `DEFAULT_MIN_GUESSES_LOG10`). */
  minGuessesLog10?: number;
  /** Characters analysed, from the start. Default 48 (see `DEFAULT_STRENGTH_ANALYSED_LENGTH`). */
  maxAnalysedLength?: number;
}

/** The part of `@zxcvbn-ts/core`'s `ZxcvbnFactory` the strength validator uses. */
interface StrengthMatcher {
  check(
    password: string,
    userInputs?: (string | number)[],
  ): {
    guessesLog10: number;
    sequence: readonly { pattern: string; dictionaryName?: string }[];
  };
}

let strengthMatcher: StrengthMatcher | undefined;

/**
 * zxcvbn with the common (≈30,000 breached passwords, diceware words, keyboard graphs) and English
 * (words, names, Wikipedia) dictionaries, built once per process on first use (it ranks every
 * word, a few hundred milliseconds) and shared by every validator: never per call. Required on
 * demand, so apps that never validate a password never load the dictionaries.
 */
function loadStrengthMatcher(): StrengthMatcher {
  if (strengthMatcher) return strengthMatcher;
  const require = createRequire(import.meta.url);
  try {
    const core = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
    strengthMatcher = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
      // The l33t matcher tries every combination of substitutions, up to this many alternatives:
      // at zxcvbn's default (100) a symbol-rich 64-character password costs hundreds of
      // milliseconds. 1 still reads `P4ssw0rd`, `M0nk3yBus1n3ss!!` and `1L0v3Y0uF0r3v3r!` as the
      // words they spell (the same guesses as 5 or 100 on such samples) at a fraction of the cost.
      l33tMaxSubstitutions: 1,
    }) as StrengthMatcher;
  } catch (error) {
    const message = `strength: @zxcvbn-ts/core, language-common and language-en are needed; reinstall them. (${(error as Error).message})`;
    throw new ConfigError('gatehouse.config.password_strength_unavailable', message);
  }
  return strengthMatcher;
}

/**
 * Refuses passwords an attacker guesses early: breached and common passwords, words and names,
 * keyboard walks (`1qaz2wsx3edc4rfv`), sequences, repeats (`passwordpassword123!`), dates and l33t
 * spellings, scored by zxcvbn, with the user's and the site's words as an extra dictionary. Code
 * `password_too_weak`, or `password_context_specific` when those words made it weak.
 */
export class PasswordStrengthValidator implements PasswordValidator {
  readonly minGuessesLog10: number;
  readonly maxAnalysedLength: number;

  constructor(options: PasswordStrengthOptions = {}) {
    checkOptionKeys('strength', options, ['minGuessesLog10', 'maxAnalysedLength']);
    const minGuessesLog10 = options.minGuessesLog10 ?? DEFAULT_MIN_GUESSES_LOG10;
    if (!(Number.isFinite(minGuessesLog10) && minGuessesLog10 >= 0 && minGuessesLog10 <= 100)) {
      throw new ConfigError(OPTION_CODE, `strength: minGuessesLog10 must be a number from 0 to 100, got ${String(minGuessesLog10)}.`);
    }
    this.minGuessesLog10 = minGuessesLog10;
    this.maxAnalysedLength = wholeNumberAtLeast('strength', 'maxAnalysedLength', options.maxAnalysedLength ?? DEFAULT_STRENGTH_ANALYSED_LENGTH, 8);
    if (this.maxAnalysedLength > 256) throw new ConfigError(OPTION_CODE, `strength: maxAnalysedLength must be at most 256, got ${this.maxAnalysedLength}.`);
  }

  validate(password: string, user?: PasswordUserAttributes, context?: PasswordContext): PasswordProblem | null {
    const analysed = codePointPrefix(password, this.maxAnalysedLength);
    // Fewer than 5 different characters is a repeat or a pattern whatever the length (zxcvbn
    // agrees), and repeats are zxcvbn's slowest input (it re-analyses the repeated unit): answered
    // without it, so nobody can spend the event loop on `7777…`.
    if (new Set(analysed).size < MIN_DISTINCT_CHARACTERS) return WEAK;
    const result = loadStrengthMatcher().check(analysed, contextWordsFor(user, context));
    if (result.guessesLog10 >= this.minGuessesLog10) return null;
    if (result.sequence.some((match) => match.pattern === 'dictionary' && match.dictionaryName === 'userInputs')) {
      return { code: 'password_context_specific', message: 'This password is built from your account details or this site’s own words.' };
    }
    return WEAK;
  }

  helpText(): string {
    return "Your password can't be easy to guess (common words, names, dates, keyboard patterns, repeats).";
  }
}

/** The user a password is checked for; none at all when an account is not created yet. */
export type PasswordUser = PasswordUserAttributes | null | undefined;

/**
 * Every problem the validators find with `password`, in validator order; empty when it passes.
 * Validators see the NFKC form, which is what gets hashed (see `PasswordHashers.makePassword`).
 */
export function validatePassword(password: string, user: PasswordUser, validators: readonly PasswordValidator[], context?: PasswordContext): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const normalized = password.normalize('NFKC');
  for (const validator of validators) {
    const problem = validator.validate(normalized, user ?? undefined, context);
    // One message per reason: the context-words and strength validators may both see a password
    // built from the user's details.
    if (problem && !problems.some((seen) => seen.code === problem.code)) problems.push(problem);
  }
  return problems;
}

/** As `validatePassword`, but throws one `ValidationError` listing every problem. */
export function assertValidPassword(password: string, user: PasswordUser, validators: readonly PasswordValidator[], context?: PasswordContext): void {
  const problems = validatePassword(password, user, validators, context);
  if (problems.length > 0) throw new ValidationError(problems);
}

/**
 * The default set: Django's four (similarity, minimum length — 15 here, common passwords,
 * all-numeric) and, for NIST SP 800-63B-4, context words and zxcvbn strength.
 */
export function defaultPasswordValidators(): PasswordValidator[] {
  return [
    new UserAttributeSimilarityValidator(),
    new MinimumLengthValidator(),
    new CommonPasswordValidator(),
    new NumericPasswordValidator(),
    new ContextWordsValidator(),
    new PasswordStrengthValidator(),
  ];
}

/** The name a validator has in configuration. */
export type PasswordValidatorName = 'minimumLength' | 'userAttributeSimilarity' | 'commonPassword' | 'numeric' | 'contextWords' | 'strength';

/** A validator in configuration: its bare name, or its name with options. */
export type PasswordValidatorSpec =
  | PasswordValidatorName
  | { name: 'minimumLength'; options?: MinimumLengthOptions }
  | { name: 'userAttributeSimilarity'; options?: UserAttributeSimilarityOptions }
  | { name: 'commonPassword'; options?: CommonPasswordOptions }
  | { name: 'numeric'; options?: Record<string, never> }
  | { name: 'contextWords'; options?: ContextWordsOptions }
  | { name: 'strength'; options?: PasswordStrengthOptions };

const BUILDERS: Readonly<Record<PasswordValidatorName, (options: object) => PasswordValidator>> = {
  minimumLength: (options) => new MinimumLengthValidator(options),
  userAttributeSimilarity: (options) => new UserAttributeSimilarityValidator(options),
  commonPassword: (options) => new CommonPasswordValidator(options),
  numeric: (options) => {
    checkOptionKeys('numeric', options, []);
    return new NumericPasswordValidator();
  },
  contextWords: (options) => new ContextWordsValidator(options),
  strength: (options) => new PasswordStrengthValidator(options),
};

/**
 * Builds validators from configuration, as Django's `AUTH_PASSWORD_VALIDATORS`. Configuration may
 * come from JSON or the environment, so names are checked at run time too: an unknown one throws
 * `ConfigError` `gatehouse.config.unknown_password_validator` rather than silently dropping a rule.
 */
export function validatorsFromNames(specs: readonly PasswordValidatorSpec[]): PasswordValidator[] {
  return specs.map((spec) => {
    const entry: { name?: unknown; options?: unknown } = typeof spec === 'string' ? { name: spec } : (spec ?? {});
    const { name, options = {} } = entry;
    // hasOwn, so a name like "constructor" cannot reach Object.prototype.
    if (typeof name !== 'string' || !Object.hasOwn(BUILDERS, name)) {
      const known = Object.keys(BUILDERS).join(', ');
      throw new ConfigError('gatehouse.config.unknown_password_validator', `Unknown password validator "${String(name)}"; known: ${known}.`);
    }
    if (typeof options !== 'object' || options === null) throw new ConfigError(OPTION_CODE, `${name}: options must be an object.`);
    return BUILDERS[name as PasswordValidatorName](options);
  });
}
