/**
 * Issue 9 item 16, hashing: the NFKC form of a password is hashed and checked (NIST SP 800-63B-4),
 * a hash of the raw form (imported from Django) still verifies and asks for an upgrade, ASCII never
 * costs a second verification, and an unknown user costs what a known one does.
 */
import { describe, expect, it } from 'vitest';
import { PasswordHashers, Pbkdf2Sha256Hasher } from '../../../src/core/hashers/index.js';
import { CountingHasher } from './helpers.js';

function counted(): { hashers: PasswordHashers; preferred: CountingHasher } {
  const preferred = new CountingHasher(new Pbkdf2Sha256Hasher({ iterations: 1000 }));
  return { hashers: new PasswordHashers([preferred]), preferred };
}

const fullWidth = 'Ｔｕｎｄｒａ－Ｑｕｏｋｋａ－５８４１'; // NFKC: Tundra-Quokka-5841
const raw = 'ﬁnance\u00a0Crème'; // a ligature, a no-break space, a precomposed è

describe('PasswordHashers and NFKC', () => {
  it('hashes the NFKC form: full-width, ligature and composed/decomposed spellings all match', async () => {
    const { hashers } = counted();
    const encoded = await hashers.makePassword('Tundra-Quokka-5841');
    expect(await hashers.checkPassword(fullWidth, encoded)).toEqual({ valid: true, needsUpgrade: false });
    const accented = await hashers.makePassword('Crème brûlée'.normalize('NFD'));
    expect(await hashers.checkPassword('Crème brûlée'.normalize('NFC'), accented)).toEqual({ valid: true, needsUpgrade: false });
    expect((await hashers.checkPassword('Creme brulee', accented)).valid).toBe(false);
  });

  it('verifies a hash of the raw (non-NFKC) form, as Django made it, and asks for an upgrade', async () => {
    const { hashers, preferred } = counted();
    expect(raw.normalize('NFKC')).not.toBe(raw);
    const djangoHash = await new Pbkdf2Sha256Hasher({ iterations: 1000 }).encode(raw, 'importedsaltimported12');
    preferred.verifies = 0;
    expect(await hashers.checkPassword(raw, djangoHash)).toEqual({ valid: true, needsUpgrade: true });
    expect(preferred.verifies).toBe(2); // NFKC first, then the raw form
    // After the upgrade (makePassword of the same input) the NFKC hash matches at the first try.
    const upgraded = await hashers.makePassword(raw);
    preferred.verifies = 0;
    expect(await hashers.checkPassword(raw, upgraded)).toEqual({ valid: true, needsUpgrade: false });
    expect(preferred.verifies).toBe(1);
    expect((await hashers.checkPassword(`${raw}x`, djangoHash)).valid).toBe(false);
  });

  it('ASCII is NFKC-stable: a wrong ASCII password costs exactly one verification', async () => {
    const { hashers, preferred } = counted();
    const encoded = await hashers.makePassword('Tundra-Quokka-5841');
    preferred.verifies = 0;
    expect((await hashers.checkPassword('Tundra-Quokka-5842', encoded)).valid).toBe(false);
    expect(preferred.verifies).toBe(1);
  });

  it('an unknown user costs what a known one does, for non-NFKC input too (two verifications)', async () => {
    const { hashers, preferred } = counted();
    const encoded = await hashers.makePassword('Tundra-Quokka-5841');
    preferred.verifies = 0;
    await hashers.checkPassword(raw, encoded); // known user, wrong non-NFKC password
    const known = preferred.verifies;
    preferred.verifies = 0;
    await hashers.runDummyCheck(raw); // unknown user, same input (the dummy hash is made first)
    expect(known).toBe(2);
    expect(preferred.verifies).toBe(known);
  });
});
