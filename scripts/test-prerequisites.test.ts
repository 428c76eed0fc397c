/**
 * `npm test`'s prerequisite check: the decision for every case (found or missing, root or not, Debian or
 * not), then the real script run in a scratch folder, where a missing driver is a VK_ICD_FILENAMES naming a
 * file that is not there, and "installing" is a stand-in for .ci/install-system-packages.sh that makes the
 * missing files appear (or not).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { probeWebGpu } from '../models/testing/webgpu-adapter.ts';
import { decide } from './test-prerequisites.ts';
import type { Facts } from './test-prerequisites.ts';

const NO_ADAPTER = "onnxruntime's WebGPU provider found no adapter (No supported adapters)";
const chromium = { path: '/usr/bin/chromium', explicit: false, found: true };
const present: Facts = {
  chromium,
  webgpu: { found: true },
  ffmpeg: { found: true },
  platform: 'linux',
  debian: true,
  root: true,
};
const bothMissing: Facts = {
  ...present,
  chromium: { ...chromium, found: false },
  webgpu: { found: false, reason: NO_ADAPTER },
};
const NEEDS = `npm test needs Chromium (/usr/bin/chromium) and a WebGPU adapter (${NO_ADAPTER})`;
const VULKAN_ADVICE =
  "a Vulkan driver: your GPU's, or Mesa's software one, lavapipe, Mesa 23 or later " +
  '(mesa-vulkan-drivers on Ubuntu and Fedora, vulkan-swrast on Arch)';

describe('what the check decides', () => {
  it('does nothing when Chromium and an adapter are there, whoever and wherever we are', () => {
    for (const root of [true, false])
      for (const debian of [true, false])
        expect(decide({ ...present, root, debian })).toEqual({ action: 'ok' });
  });

  it('installs on Debian as root, naming what is missing', () => {
    expect(decide(bothMissing)).toEqual({
      action: 'install',
      missing: ['Chromium (/usr/bin/chromium)', `a WebGPU adapter (${NO_ADAPTER})`],
    });
    expect(decide({ ...present, webgpu: bothMissing.webgpu })).toEqual({
      action: 'install',
      missing: [`a WebGPU adapter (${NO_ADAPTER})`],
    });
  });

  it('gives a Debian user who is not root the command to run', () => {
    expect(decide({ ...bothMissing, root: false })).toEqual({
      action: 'stop',
      message: `${NEEDS}: run \`sudo bash .ci/install-system-packages.sh\`, then npm test again.`,
    });
  });

  it('says what to install elsewhere, root or not', () => {
    for (const root of [true, false]) {
      expect(decide({ ...bothMissing, debian: false, root })).toEqual({
        action: 'stop',
        message: `${NEEDS}: install Chromium, with CHROMIUM_PATH set to its executable, and ${VULKAN_ADVICE}.`,
      });
    }
    expect(decide({ ...present, chromium: bothMissing.chromium, debian: false })).toEqual({
      action: 'stop',
      message:
        'npm test needs Chromium (/usr/bin/chromium): install Chromium, with CHROMIUM_PATH set to its executable.',
    });
    expect(decide({ ...present, webgpu: bothMissing.webgpu, platform: 'darwin', debian: false })).toEqual({
      action: 'stop',
      message:
        `npm test needs a WebGPU adapter (${NO_ADAPTER}): install a graphics driver with WebGPU support ` +
        '(Metal on macOS, Direct3D 12 on Windows).',
    });
  });

  it('installs a missing ffmpeg on Debian as root, and says how to install it elsewhere', () => {
    const noFfmpeg = { ...present, ffmpeg: { found: false } };
    expect(decide(noFfmpeg)).toEqual({ action: 'install', missing: ['ffmpeg (on PATH)'] });
    expect(decide({ ...noFfmpeg, root: false })).toEqual({
      action: 'stop',
      message:
        'npm test needs ffmpeg (on PATH): run `sudo bash .ci/install-system-packages.sh`, then npm test again.',
    });
    expect(decide({ ...noFfmpeg, platform: 'darwin', debian: false })).toEqual({
      action: 'stop',
      message:
        'npm test needs ffmpeg (on PATH): install ffmpeg (apt install ffmpeg, brew install ffmpeg, ' +
        'winget install ffmpeg).',
    });
  });

  it("stops on a CHROMIUM_PATH that names nothing, without installing Debian's Chromium", () => {
    const wrong = { path: '/opt/none/chrome', explicit: true, found: false };
    expect(decide({ ...present, chromium: wrong })).toEqual({
      action: 'stop',
      message:
        'CHROMIUM_PATH is /opt/none/chrome, which is not an executable file: point it at Chromium, or unset it.',
    });
  });
});

const SCRIPT = fileURLToPath(new URL('./test-prerequisites.ts', import.meta.url));
const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.json';
const scratch = mkdtempSync(join(tmpdir(), 'tessera-prerequisites-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Machine {
  debian: boolean;
  uid: number;
  /** Whether the Vulkan driver is there before the run. */
  driver: boolean;
  chromium: boolean;
  /** What the stand-in installer provides. */
  installs: { chromium: boolean; driver: boolean; ffmpeg?: boolean };
  /** Whether ffmpeg is there before the run (a stand-in executable); there unless false. */
  ffmpeg?: boolean;
}

/** The real check, run on a scratch "machine"; what it printed and whether the installer ran. */
function runCheck(name: string, m: Machine, env: NodeJS.ProcessEnv = {}) {
  const dir = join(scratch, name);
  mkdirSync(dir);
  const defaultChromium = join(dir, 'chromium');
  const icd = join(dir, 'icd.json');
  const ran = join(dir, 'installer-ran');
  const ffmpeg = join(dir, 'ffmpeg');
  if (m.ffmpeg !== false) writeFileSync(ffmpeg, '#!/bin/sh\n', { mode: 0o755 });
  if (m.chromium) writeFileSync(defaultChromium, '#!/bin/sh\n', { mode: 0o755 });
  // VK_ICD_FILENAMES is the Vulkan loader's driver list: a missing file means no driver at all.
  if (m.driver) writeFileSync(icd, readFileSync(LAVAPIPE));
  const installer = join(dir, 'install.sh');
  writeFileSync(
    installer,
    [
      `touch '${ran}'`,
      m.installs.chromium
        ? `printf '#!/bin/sh\\n' > '${defaultChromium}' && chmod +x '${defaultChromium}'`
        : '',
      m.installs.driver ? `cp '${LAVAPIPE}' '${icd}'` : '',
      m.installs.ffmpeg ? `printf '#!/bin/sh\\n' > '${ffmpeg}' && chmod +x '${ffmpeg}'` : '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'os-release'), m.debian ? 'ID=debian\nVERSION_CODENAME=bookworm\n' : 'ID=fedora\n');
  const override = {
    osRelease: join(dir, 'os-release'),
    uid: m.uid,
    defaultChromium,
    installScript: installer,
    ffmpeg,
  };
  const { CHROMIUM_PATH: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], {
    encoding: 'utf8',
    env: {
      ...inherited,
      VK_ICD_FILENAMES: icd,
      TESSERA_PREREQUISITES_TEST: JSON.stringify(override),
      ...env,
    },
  });
  return {
    status: result.status,
    stderr: result.stderr.trim(),
    installerRan: existsSync(ran),
    defaultChromium,
  };
}

const nothing = { chromium: false, driver: false };
const absent = { chromium: false, driver: false, installs: nothing };

// A missing driver is a VK_ICD_FILENAMES that names nothing: the Vulkan loader's own variable, so Linux only.
describe.skipIf(process.platform !== 'linux')('the check, run', () => {
  it('gives a Debian user who is not root one line with the command, and installs nothing', () => {
    const run = runCheck('debian-user', { debian: true, uid: 1000, ...absent });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `tessera: npm test needs Chromium (${run.defaultChromium}) and a WebGPU adapter (${NO_ADAPTER}): ` +
        'run `sudo bash .ci/install-system-packages.sh`, then npm test again.',
    );
    expect(run.installerRan).toBe(false);
  });

  it('tells root on another distribution what to install, and installs nothing', () => {
    const run = runCheck('fedora-root', { debian: false, uid: 0, ...absent });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `tessera: npm test needs Chromium (${run.defaultChromium}) and a WebGPU adapter (${NO_ADAPTER}): ` +
        `install Chromium, with CHROMIUM_PATH set to its executable, and ${VULKAN_ADVICE}.`,
    );
    expect(run.installerRan).toBe(false);
  });

  it('stops when the install script leaves something missing', () => {
    const run = runCheck('debian-root-broken', {
      debian: true,
      uid: 0,
      ...absent,
      installs: { chromium: true, driver: false },
    });
    expect(run.status).toBe(1);
    expect(run.installerRan).toBe(true);
    expect(run.stderr.split('\n').at(-1)).toBe(
      `tessera: still missing after .ci/install-system-packages.sh: a WebGPU adapter (${NO_ADAPTER})`,
    );
  });

  it('stops when the install script leaves ffmpeg missing, naming it', () => {
    const run = runCheck('debian-root-no-ffmpeg', {
      debian: true,
      uid: 0,
      chromium: true,
      driver: false,
      ffmpeg: false,
      installs: { chromium: true, driver: false, ffmpeg: false },
    });
    expect(run.status).toBe(1);
    expect(run.installerRan).toBe(true);
    expect(run.stderr.split('\n').at(-1)).toBe(
      `tessera: still missing after .ci/install-system-packages.sh: a WebGPU adapter (${NO_ADAPTER}) and ` +
        'ffmpeg (on PATH)',
    );
  });

  it('stops on a CHROMIUM_PATH that names nothing, before installing', () => {
    const run = runCheck(
      'bad-chromium-path',
      { debian: true, uid: 0, ...absent },
      { CHROMIUM_PATH: '/opt/none' },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'tessera: CHROMIUM_PATH is /opt/none, which is not an executable file: point it at Chromium, or unset it.',
    );
    expect(run.installerRan).toBe(false);
  });
});

// These need a real adapter to appear: Mesa's lavapipe, which CI installs and requires (TESSERA_REQUIRE_WEBGPU).
const lavapipe = process.platform === 'linux' && existsSync(LAVAPIPE) && probeWebGpu().found;
const required = process.env.TESSERA_REQUIRE_WEBGPU === '1';
if (!lavapipe && !required)
  console.warn(`prerequisite check: no lavapipe here, its install cases are skipped`);

describe.skipIf(!lavapipe && !required)('the check, run where lavapipe is installed', () => {
  it('does nothing, quietly, when everything is there', () => {
    const run = runCheck('present', {
      debian: true,
      uid: 0,
      chromium: true,
      driver: true,
      installs: nothing,
    });
    expect([run.status, run.stderr, run.installerRan]).toEqual([0, '', false]);
  });

  it('installs what is missing on Debian as root, then passes', () => {
    const run = runCheck('debian-root', {
      debian: true,
      uid: 0,
      ...absent,
      installs: { chromium: true, driver: true },
    });
    expect(run.stderr).toBe(
      `npm test needs Chromium (${run.defaultChromium}) and a WebGPU adapter (${NO_ADAPTER}): ` +
        'installing with .ci/install-system-packages.sh',
    );
    expect([run.status, run.installerRan]).toEqual([0, true]);
  });

  it('installs a missing ffmpeg on Debian as root, then passes', () => {
    const run = runCheck('debian-root-ffmpeg', {
      debian: true,
      uid: 0,
      chromium: true,
      driver: true,
      ffmpeg: false,
      installs: { chromium: false, driver: false, ffmpeg: true },
    });
    expect(run.stderr).toBe(
      'npm test needs ffmpeg (on PATH): installing with .ci/install-system-packages.sh',
    );
    expect([run.status, run.installerRan]).toEqual([0, true]);
  });
});
