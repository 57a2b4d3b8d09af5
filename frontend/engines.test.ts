// The Node versions the web app supports (package.json `engines`) are the
// ones every installed package declares it runs on, so `npm ci` warns of no
// engine (EBADENGINE) on any of them. Checked at the lowest version of each
// part of the range, for every package in the lock files (dependencies of
// dependencies included) of the app, its end-to-end tests and the Node
// WebSocket clients of the Go integration tests.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import semver from 'semver';

const folders = ['.', 'e2e', '../integration/wsclient'];

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

const readJSON = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as T;

/** The lowest version of each part of range: ^20.19.0 || >=24 gives 20.19.0 and 24.0.0. */
function lowestVersions(range: string): string[] {
  return new semver.Range(range).set.map((comparators) => {
    const min = semver.minVersion(comparators.map((c) => c.value).join(' '));
    if (!min) throw new Error(`no version satisfies ${range}`);
    return min.version;
  });
}

describe.each(folders)('%s/package-lock.json', (folder) => {
  const supported = readJSON<{ engines?: { node?: string } }>(`${folder}/package.json`).engines?.node;
  const lock = readJSON<Lock>(`${folder}/package-lock.json`);

  it('declares the Node versions it supports', () => {
    expect(supported && semver.validRange(supported)).toBeTruthy();
  });

  it.each(supported ? lowestVersions(supported) : [])('every package runs on Node %s', (node) => {
    const excluded = Object.entries(lock.packages)
      .filter(([, p]) => {
        const wanted = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
        return wanted !== undefined && !semver.satisfies(node, wanted, { includePrerelease: true });
      })
      .map(([where, p]) => `${where.replace(/^.*node_modules\//, '')}@${p.version} (${(p.engines as { node: string }).node})`);
    expect(excluded).toEqual([]);
  });
});

describe('lowestVersions', () => {
  it('takes the lowest version of each alternative', () => {
    expect(lowestVersions('^20.19.0 || ^22.13.0 || >=24')).toEqual(['20.19.0', '22.13.0', '24.0.0']);
    expect(lowestVersions('>=20')).toEqual(['20.0.0']);
  });
});
