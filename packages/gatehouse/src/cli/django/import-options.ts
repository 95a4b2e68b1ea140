/**
 * The options of a Django import, in a file of their own: the importer and the user import both
 * read them, and neither should import the other for a type.
 */

/** How to import. */
export interface ImportOptions {
  /** The target's setting: emails must be unique case-insensitively. */
  emailUnique: boolean;
  /** With `emailUnique`, import later holders of a shared email with an empty email instead of failing. */
  allowDuplicateEmails: boolean;
  /** Take Django's hash even where gatehouse's differs. */
  overwritePasswords: boolean;
  /** Do everything, then roll back. */
  dryRun: boolean;
  /** Told the number of steps, then each step done. */
  progress?: { start(total: number): void; tick(count: number): void; stop(): void };
}
