// Completes package-lock.json with the other platforms' optional binaries (workerd, oxlint).
//
// Why: the registry this machine installs from mirrors only the Linux builds of recent releases of
// packages that ship one binary package per platform. `npm install` then writes a lockfile without
// the entries for the other platforms, and `npm ci` rejects it ("Missing: @cloudflare/workerd-
// darwin-64@ from lock file"). This adds those entries as a lockfile written against the public
// registry would have them: the version the parent pins, and the os / cpu / libc that make npm skip
// them on any other platform. Run it after `npm install` changes the lockfile:
//   node scripts/lockfile-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './workers.mjs';

const file = join(root, 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

/** @type {Record<string, string>} */
const OS = {
  darwin: 'darwin',
  windows: 'win32',
  win32: 'win32',
  linux: 'linux',
  android: 'android',
  freebsd: 'freebsd',
  openharmony: 'openharmony',
};
/** @type {Record<string, string>} */
const CPU = { x64: 'x64', 64: 'x64', arm64: 'arm64', ia32: 'ia32', arm: 'arm', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' };

/** os / cpu / libc of a platform package, read from its name (`binding-linux-arm64-musl`, `workerd-darwin-64`). @param {string} name */
function platformOf(name) {
  const parts = (name.split('/').pop() ?? '').split('-');
  const os = parts.map((p) => OS[p]).find(Boolean);
  const cpu =
    parts.map((p) => CPU[p.replace(/eabi(hf)?$/, '').replace(/^arm$/, 'arm')]).find(Boolean) ?? (parts.includes('arm') ? 'arm' : undefined);
  const libc = parts.some((p) => p.startsWith('musl')) ? 'musl' : os === 'linux' ? 'glibc' : undefined;
  return { os, cpu, libc };
}

/**
 * Where node would find `name` from the package at `path` (its own node_modules, then up).
 * @param {string} path
 * @param {string} name
 * @param {string} version
 */
function resolves(path, name, version) {
  let dir = path;
  for (;;) {
    const entry = packages[`${dir ? `${dir}/` : ''}node_modules/${name}`];
    if (entry) return entry.version === version;
    if (!dir) return false;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (!/^\d+\.\d+\.\d+/.test(version) || resolves(path, name, version)) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os || !cpu) continue; // not a per-platform binary package
    const rootKey = `node_modules/${name}`;
    const key = packages[rootKey] ? `${path ? `${path}/` : ''}node_modules/${name}` : rootKey;
    packages[key] = { version, cpu: [cpu], ...(libc ? { libc: [libc] } : {}), optional: true, os: [os] };
    added++;
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile-platforms: ${added} platform entries added`);
