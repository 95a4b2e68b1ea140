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

/** What every password validator implements. */
export interface PasswordValidator {
  /** The problem with `password` for `user`, or null when it passes. */
  validate(password: string, user?: PasswordUserAttributes): PasswordProblem | null;
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
  /** Fewest characters (Unicode code points, as Python's `len`) a password may have. Default 8. */
  minLength?: number;
}

/** Refuses passwords shorter than `minLength` characters. Code `password_too_short`. */
export class MinimumLengthValidator implements PasswordValidator {
  readonly minLength: number;

  constructor(options: MinimumLengthOptions = {}) {
    checkOptionKeys('minimumLength', options, ['minLength']);
    const minLength = options.minLength ?? 8;
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
  return (bundledCommonPasswords = toLowerSet(list as readonly string[]));
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

/** The user a password is checked for; none at all when an account is not created yet. */
export type PasswordUser = PasswordUserAttributes | null | undefined;

/** Every problem the validators find with `password`, in validator order; empty when it passes. */
export function validatePassword(password: string, user: PasswordUser, validators: readonly PasswordValidator[]): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  for (const validator of validators) {
    const problem = validator.validate(password, user ?? undefined);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** As `validatePassword`, but throws one `ValidationError` listing every problem. */
export function assertValidPassword(password: string, user: PasswordUser, validators: readonly PasswordValidator[]): void {
  const problems = validatePassword(password, user, validators);
  if (problems.length > 0) throw new ValidationError(problems);
}

/** Django's default set: similarity, minimum length 8, common passwords, all-numeric. */
export function defaultPasswordValidators(): PasswordValidator[] {
  return [
    new UserAttributeSimilarityValidator(),
    new MinimumLengthValidator(),
    new CommonPasswordValidator(),
    new NumericPasswordValidator(),
  ];
}

/** The name a validator has in configuration. */
export type PasswordValidatorName = 'minimumLength' | 'userAttributeSimilarity' | 'commonPassword' | 'numeric';

/** A validator in configuration: its bare name, or its name with options. */
export type PasswordValidatorSpec =
  | PasswordValidatorName
  | { name: 'minimumLength'; options?: MinimumLengthOptions }
  | { name: 'userAttributeSimilarity'; options?: UserAttributeSimilarityOptions }
  | { name: 'commonPassword'; options?: CommonPasswordOptions }
  | { name: 'numeric'; options?: Record<string, never> };

const BUILDERS: Readonly<Record<PasswordValidatorName, (options: object) => PasswordValidator>> = {
  minimumLength: (options) => new MinimumLengthValidator(options),
  userAttributeSimilarity: (options) => new UserAttributeSimilarityValidator(options),
  commonPassword: (options) => new CommonPasswordValidator(options),
  numeric: (options) => (checkOptionKeys('numeric', options, []), new NumericPasswordValidator()),
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
