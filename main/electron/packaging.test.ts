/**
 * electron-builder.yml: every production dependency that ships native code is unpacked from the asar
 * (found by walking node_modules, so a new native dependency fails here, not at a user's first start), and
 * the fuses are set as the security review decided.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
// js-yaml is what electron-builder itself reads the file with (a dependency of it, not of ours).
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  files?: string[];
  extraMetadata?: { main?: string };
  linux?: { target?: string[] };
  win?: { target?: string };
  mac?: { target?: string };
}

const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const NATIVE = /\.(node|dll|dylib)$|\.so(\.\d+)*$/;

/** Packages the app ships (not dev-only), from the lockfile, that are installed here. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.devOptional)
    .map(([path]) => path)
    .filter((path) => statSync(join(root, path), { throwIfNoEntry: false })?.isDirectory());
}

function nativeFiles(dir: string, depth = 0): string[] {
  if (depth > 8) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : nativeFiles(path, depth + 1);
    return NATIVE.test(entry.name) ? [relative(root, path).split('\\').join('/')] : [];
  });
}

describe('electron-builder.yml', () => {
  it('unpacks every native file of the production dependencies', () => {
    const patterns = config.asarUnpack ?? [];
    const files = productionPackages().flatMap((pkg) => nativeFiles(join(root, pkg)));
    // This machine has at least these: ORT's binding, sharp's libvips, the SQLite binding.
    expect(files.some((f) => f.startsWith('node_modules/onnxruntime-node/'))).toBe(true);
    expect(files.some((f) => f.startsWith('node_modules/@img/'))).toBe(true);
    expect(files.some((f) => f.startsWith('node_modules/better-sqlite3/'))).toBe(true);
    const packed = files.filter((file) => !patterns.some((p) => minimatch(file, p, { dot: true })));
    expect(packed).toEqual([]);
  });

  it('unpacks the native modules by name, for platforms whose binaries are not installed here', () => {
    const patterns = config.asarUnpack ?? [];
    for (const file of [
      'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.22.0.dylib',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/DirectML.dll',
      'node_modules/sharp/lib/index.js',
      'node_modules/@img/sharp-win32-x64/lib/libvips-42.dll',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    ]) {
      expect(
        patterns.some((p) => minimatch(file, p, { dot: true })),
        file,
      ).toBe(true);
    }
  });

  it('sets the fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs the built app for every desktop platform', () => {
    expect(config.extraMetadata?.main).toBe('dist/electron/main.js');
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**/*', 'dist/renderer/**/*']));
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toBe('nsis');
    expect(config.mac?.target).toBe('dmg');
  });

  it('has a release workflow that builds each platform’s installers on its own runner', () => {
    const workflow = yaml.load(readFileSync(join(root, '.github', 'workflows', 'release.yml'), 'utf8')) as {
      jobs: Record<
        string,
        { strategy: { matrix: { include: { os: string; target: string }[] } }; steps: { run?: string }[] }
      >;
    };
    const job = Object.values(workflow.jobs)[0];
    const runners = job?.strategy.matrix.include.map((m) => m.os.split('-')[0]).sort();
    expect(runners).toEqual(['macos', 'ubuntu', 'windows']);
    const commands = job?.steps.map((step) => step.run ?? '') ?? [];
    expect(commands).toEqual(expect.arrayContaining(['npm ci', 'npm run build']));
    expect(commands.some((c) => c.startsWith('npx electron-builder'))).toBe(true);
  });
});
