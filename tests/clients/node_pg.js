// Client suite: node-postgres (`pg`) against a running aisle server.
// Usage: AISLE_PORT=5433 AISLE_USER=admin AISLE_PASSWORD=... node tests/clients/node_pg.js
// Needs `npm install pg` (tests/clients/run.sh installs it into a temporary folder).
const { Client } = require('pg');

const cfg = {
  host: process.env.AISLE_HOST || '127.0.0.1',
  port: Number(process.env.AISLE_PORT || 5433),
  user: process.env.AISLE_USER || 'admin',
  password: process.env.AISLE_PASSWORD || 'admin-demo',
  database: 'aisle',
  ssl: process.env.AISLE_SSLMODE === 'require' ? { rejectUnauthorized: false } : false,
};

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok      ${name}`); }
  catch (e) { failed++; console.log(`FAILED  ${name}: ${e.stack || e}`); }
}
function eq(a, b, what) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

(async () => {
  const c = new Client(cfg);
  await c.connect();
  await check('integer literal is a number (int4)', async () => {
    const r = await c.query('SELECT 1 AS one');
    eq(r.rows[0].one, 1, 'SELECT 1');
  });
  await check('parameters', async () => {
    const r = await c.query('SELECT $1::INT AS x, $2::TEXT AS t', [42, 'hi']);
    eq(r.rows[0], { x: 42, t: 'hi' }, 'params');
  });
  await check('types', async () => {
    const r = await c.query("SELECT true AS b, 2.5::DOUBLE AS f, 'x' AS s, NULL::INT AS n, make_array(1,2) AS a");
    eq(r.rows[0].b, true, 'bool'); eq(r.rows[0].f, 2.5, 'float'); eq(r.rows[0].s, 'x', 'text');
    eq(r.rows[0].n, null, 'null'); eq(r.rows[0].a.map(Number), [1, 2], 'array');
  });
  await check('errors carry SQLSTATE', async () => {
    try { await c.query('SELECT * FROM nope'); throw new Error('should fail'); }
    catch (e) { eq(e.code, '42P01', 'code'); }
  });
  await check('version', async () => {
    const r = await c.query('SELECT version() AS v');
    if (!r.rows[0].v.startsWith('PostgreSQL 16.')) throw new Error(r.rows[0].v);
  });
  await check('statement timeout', async () => {
    await c.query('SET statement_timeout = 300');
    try { await c.query('SELECT max(value * 2) FROM range(10000000000)'); throw new Error('should time out'); }
    catch (e) { eq(e.code, '57014', 'code'); }
    await c.query('SET statement_timeout = 0');
  });
  await c.end();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error(e); console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); });
