import { config } from 'zod';

/*
 * zod probes `new Function` for its fast path when it builds its first object schema, and the
 * page's CSP forbids eval: the probe fails quietly but the browser reports a CSP violation. The
 * setting must come before any schema exists, so this module is the entry's first import and
 * imports nothing that defines one.
 */
config({ jitless: true });
