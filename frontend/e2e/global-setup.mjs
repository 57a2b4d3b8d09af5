// Builds the web app and the binary, creates a fresh PostgreSQL database,
// starts `facestat serve` on a free port and waits for /readyz. The URL goes
// to the test workers in FACESTAT_E2E_URL. The returned teardown stops the
// server and drops the database.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const artifacts = path.join(root, 'test-artifacts/e2e');

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(url, server, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`facestat exited with ${server.exitCode} before it was ready`);
    try {
      const r = await fetch(url + '/readyz');
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs / 1000} s`);
}

export default async function globalSetup() {
  const t0 = Date.now();
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });

  if (!process.env.FACESTAT_E2E_SKIP_BUILD) {
    run('npm', ['run', 'build', '--prefix', 'frontend']);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facestat-e2e-'));
  const bin = path.join(tmp, 'facestat');
  run('go', ['build', '-o', bin, './cmd/facestat']);

  // A database of its own on the test server (FACESTAT_TEST_DATABASE_URL),
  // made and dropped by db/dbtest's code: no psql needed.
  const testdb = (...args) =>
    execFileSync('go', ['run', './scripts/testdb', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const dbURL = new URL(testdb('create', 'facestat_e2e_'));
  const dbName = dbURL.pathname.slice(1);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(artifacts, 'server.log'), 'w');
  const dataDir = path.join(tmp, 'data');
  const server = spawn(bin, ['serve'], {
    cwd: tmp,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      FACESTAT_ADDR: `127.0.0.1:${port}`,
      FACESTAT_PUBLIC_URL: url,
      FACESTAT_DATABASE_URL: dbURL.href,
      FACESTAT_DATA_DIR: dataDir,
      FACESTAT_LOG_LEVEL: 'warn',
      FACESTAT_LOG_FORMAT: 'json',
      // Every test signs up and uploads from 127.0.0.1: no limits, cheap hashing.
      FACESTAT_RATE_ANON_SESSION: '0/1s',
      FACESTAT_RATE_SIGN_UP: '0/1s',
      FACESTAT_RATE_SIGN_IN: '0/1s',
      FACESTAT_RATE_UPLOAD: '0/1s',
      FACESTAT_ARGON2_MEMORY: '64',
      FACESTAT_ARGON2_TIME: '1',
      // Top lists recomputed every second, so a test sees a photo it voted into one.
      FACESTAT_STANDINGS_INTERVAL: '1s',
      // A test's request may say which network it comes from (X-Forwarded-For):
      // a report from loopback never counts toward hiding a photo. The
      // browser sends none, so its address stays 127.0.0.1.
      FACESTAT_TRUSTED_PROXIES: '127.0.0.1',
      // Reports, password resets and exports: every test asks from 127.0.0.1.
      FACESTAT_RATE_REPORT: '0/1s',
      FACESTAT_RATE_REPORT_IP: '0/1s',
      FACESTAT_RATE_RESET_IP: '0/1s',
      FACESTAT_RATE_RESET_EMAIL: '0/1s',
      FACESTAT_RATE_EXPORT: '0/1s',
    },
  });

  const teardown = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    try {
      testdb('drop', dbURL.href);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      console.log(`e2e: server log in ${path.relative(root, path.join(artifacts, 'server.log'))}`);
    }
  };

  try {
    await waitReady(url, server, 60_000);
  } catch (e) {
    await teardown();
    throw e;
  }
  process.env.FACESTAT_E2E_URL = url;
  // For tests that use the binary's commands on the same database and data
  // directory (`facestat grant moderator`), or read the local mail outbox.
  process.env.FACESTAT_E2E_BIN = bin;
  process.env.FACESTAT_E2E_DATABASE_URL = dbURL.href;
  process.env.FACESTAT_E2E_DATA_DIR = dataDir;
  console.log(`e2e: facestat ready at ${url} on database ${dbName} (setup ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return teardown;
}
