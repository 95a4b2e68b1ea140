// The Fastify templates and CSS are not TypeScript, so tsc does not copy them: do it after the build.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/http/templates', import.meta.url), new URL('../dist/http/templates', import.meta.url), { recursive: true });
cpSync(new URL('../src/admin/templates', import.meta.url), new URL('../dist/admin/templates', import.meta.url), { recursive: true });
