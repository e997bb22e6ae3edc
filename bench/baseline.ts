import { Hono } from 'hono';

/** The yardstick: a bare Hono route, served by the same workerd process as Sokoul. */
const app = new Hono();
app.get('/', (c) => c.json({ ok: true }));

export default app;
