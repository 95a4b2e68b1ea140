/**
 * Interoperability with Django: every hash Django 3.2 made in shared/fixtures must check exactly as
 * Django's own `check_password` did, and must be recognised and parsed by the right hasher.
 */
import { describe, expect, it } from 'vitest';
import { Pbkdf2Sha1Hasher, Pbkdf2Sha256Hasher, PasswordHashers, defaultHashers, hashersFromNames, legacyHasherNames } from '../../../src/core/hashers/index.js';
import { djangoHashFixtures } from './helpers.js';

const fixtures = djangoHashFixtures();
// Gatehouse's real defaults plus the legacy digests, exactly what an app that imported an old
// Django database runs (import-django prints that passwordHashers line): Django's hashes must
// verify with it.
const hashers = new PasswordHashers([...defaultHashers(), ...hashersFromNames(legacyHasherNames)]);
const defaultsOnly = new PasswordHashers(defaultHashers());

function title(entry: (typeof fixtures)[number], index: number): string {
  return `#${index} ${entry.hasher}: ${entry.note ?? entry.via}`;
}

describe('Django 3.2 password hash fixture', () => {
  it('holds the 68 documented entries, 7 of them non-matching', () => {
    expect(fixtures).toHaveLength(68);
    expect(fixtures.filter((e) => !e.matches)).toHaveLength(7);
  });

  describe('checkPassword answers what Django answered', () => {
    fixtures.forEach((entry, index) => {
      it(title(entry, index), async () => {
        const result = await hashers.checkPassword(entry.password ?? '', entry.encoded);
        expect(result.valid).toBe(entry.matches);
        // Under gatehouse's defaults (argon2 m=19456) every Django hash is due for an upgrade.
        expect(result.needsUpgrade).toBe(entry.matches);
      });
    });
  });

  describe('under the bare defaults the legacy digests are off: such hashes never match', () => {
    fixtures.forEach((entry, index) => {
      if (!legacyHasherNames.includes(entry.hasher)) return;
      it(title(entry, index), async () => {
        expect(defaultsOnly.identifyHasher(entry.encoded)).toBeNull();
        expect(await defaultsOnly.checkPassword(entry.password ?? '', entry.encoded)).toEqual({ valid: false, needsUpgrade: false });
      });
    });
  });

  describe('identifyHasher picks and parses every format', () => {
    fixtures.forEach((entry, index) => {
      it(title(entry, index), () => {
        const hasher = hashers.identifyHasher(entry.encoded);
        if (entry.hasher === 'unusable') {
          expect(hasher).toBeNull();
          expect(hashers.isPasswordUsable(entry.encoded)).toBe(false);
          return;
        }
        expect(hasher?.algorithm).toBe(entry.hasher);
        const decoded = hasher?.decode(entry.encoded);
        expect(decoded).not.toBeNull();
        expect(decoded?.algorithm).toBe(entry.hasher);
        expect(entry.encoded.endsWith(decoded?.hash ?? '<none>')).toBe(true);
      });
    });
  });

  it('re-encodes the fixed-salt PBKDF2 entries to the identical string', async () => {
    const encoders = [new Pbkdf2Sha256Hasher({ iterations: 260_000 }), new Pbkdf2Sha1Hasher({ iterations: 260_000 })];
    const deterministic = fixtures.filter((e) => e.encoded.includes('$fixedsalt0123456789abc$') && e.hasher.startsWith('pbkdf2'));
    expect(deterministic).toHaveLength(2);
    for (const entry of deterministic) {
      const hasher = encoders.find((h) => h.algorithm === entry.hasher);
      expect(await hasher?.encode(entry.password ?? '', 'fixedsalt0123456789abc')).toBe(entry.encoded);
    }
  });

  it("asks for no upgrade when the preferred hasher has the hash's own settings", async () => {
    const pbkdf2First = new PasswordHashers(hashersFromNames(['pbkdf2_sha256', 'pbkdf2_sha1'], { pbkdf2Sha256: { iterations: 260_000 } }));
    const current = fixtures[0];
    expect(current?.encoded).toMatch(/^pbkdf2_sha256\$260000\$[A-Za-z0-9]{22}\$/);
    expect(await pbkdf2First.checkPassword(current?.password ?? '', current?.encoded ?? '')).toEqual({ valid: true, needsUpgrade: false });

    // Same iterations but an 11-character salt (under 128 bits): Django re-hashes it, so do we.
    const shortSalt = fixtures.find((e) => e.encoded.includes('$lowitersalt$'));
    const django30 = fixtures.find((e) => e.encoded.startsWith('pbkdf2_sha256$180000$'));
    for (const entry of [shortSalt, django30]) {
      expect(await pbkdf2First.checkPassword(entry?.password ?? '', entry?.encoded ?? '')).toEqual({ valid: true, needsUpgrade: true });
    }
  });
});
