#!/usr/bin/env node
/**
 * Writes docs/public/openapi.json, the OpenAPI document of the JSON account API, from the route
 * table the library serves (packages/gatehouse/dist/http/api/openapi.js, so `npm run build`
 * comes first). Committed, so clients can be generated from the repository; the docs test fails
 * when it is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { openApiDocument } = await import(pathToFileURL(join(root, 'packages', 'gatehouse', 'dist', 'http', 'api', 'openapi.js')).href);
const target = join(root, 'docs', 'public', 'openapi.json');
mkdirSync(join(root, 'docs', 'public'), { recursive: true });
writeFileSync(target, `${JSON.stringify(openApiDocument({ prefix: '/api/auth' }), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
