/** JSON Schemas of the account API's bodies, for the OpenAPI document (openapi.ts). */

/** A JSON Schema (the subset used here). */
export type JsonSchema = { readonly [key: string]: unknown };

const str = (extra: object = {}): JsonSchema => ({ type: 'string', ...extra });
const time = { type: ['string', 'null'], format: 'date-time' } as const;

function object(properties: Record<string, JsonSchema>, required: readonly string[] = Object.keys(properties)): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

const user = object({
  id: { type: 'integer' },
  username: str(),
  email: str(),
  firstName: str(),
  lastName: str(),
  isActive: { type: 'boolean' },
  isStaff: { type: 'boolean' },
  isSuperuser: { type: 'boolean' },
  lastLogin: { type: ['integer', 'null'], description: 'Milliseconds since the epoch' },
  dateJoined: { type: 'integer', description: 'Milliseconds since the epoch' },
  isAuthenticated: { type: 'boolean' },
  isAnonymous: { type: 'boolean' },
});

const token = object({
  id: { type: 'integer' },
  name: str(),
  prefix: str({ description: 'The first characters, to recognise the token; not a secret' }),
  permissions: { type: ['array', 'null'], items: str(), description: "null: all of the user's permissions" },
  createdAt: time,
  expiresAt: time,
  lastUsedAt: time,
  lastUsedIp: { type: ['string', 'null'] },
});

/** Every schema the API document names. */
export const schemas = {
  user,
  csrf: object({ csrfToken: str() }),
  login: object({ username: str({ maxLength: 1000 }), password: str({ maxLength: 4096 }) }),
  loginResult: object({ user, csrfToken: str({ description: 'The CSRF token after login (the secret is replaced at login)' }) }),
  session: object(
    {
      user,
      permissions: { type: 'array', items: str() },
      groups: { type: 'array', items: str() },
      authenticatedBy: { enum: ['session', 'token'] },
      expiresAt: time,
      passwordCheckedAt: time,
      token: object({ id: { type: 'integer' }, name: str(), permissions: { type: ['array', 'null'], items: str() } }),
    },
    ['user', 'permissions', 'groups', 'authenticatedBy', 'expiresAt', 'passwordCheckedAt'],
  ),
  passwordChange: object({ oldPassword: str(), newPassword: str() }),
  passwordReset: object({ email: str({ maxLength: 254 }) }),
  passwordResetConfirm: object({ uid: str(), token: str(), newPassword: str() }),
  reauth: object({ password: str() }),
  emailChange: object({ password: str(), email: str({ maxLength: 254 }) }),
  detail: object({ detail: str() }),
  sessions: object({
    sessions: {
      type: 'array',
      items: object({
        id: str({ description: 'SHA-256 of the session id' }),
        current: { type: 'boolean' },
        createdAt: time,
        lastSeenAt: time,
        expiresAt: time,
        ip: { type: ['string', 'null'] },
        userAgent: { type: ['string', 'null'] },
      }),
    },
  }),
  ended: object({ ended: { type: 'integer' } }),
  tokens: object({ tokens: { type: 'array', items: token } }),
  tokenCreate: object(
    {
      name: str({ maxLength: 100 }),
      expiresInDays: { type: 'integer', minimum: 1, maximum: 366, default: 90 },
      permissions: { type: 'array', items: str(), maxItems: 500 },
    },
    ['name'],
  ),
  tokenCreated: { allOf: [token, object({ token: str({ description: 'The secret, shown this once' }) })] },
  error: object({
    error: object(
      {
        code: str({ description: 'Stable: switch on it' }),
        message: str({ description: 'For people; may change' }),
        fields: { type: 'object', additionalProperties: { type: 'array', items: str() } },
      },
      ['code', 'message'],
    ),
  }),
} as const;
