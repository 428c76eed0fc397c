/**
 * `npm test`'s first step (the `pretest` script), so that a fresh clone's `npm install && npm test` passes:
 * the end-to-end tests need Chromium, the WebGPU tests an adapter for onnxruntime's WebGPU provider (on a
 * Linux machine without a GPU: Mesa's software Vulkan driver), the video tests ffmpeg on PATH. When all are
 * there it only looks (about a second). When something is missing on Debian and we are root, it installs them with the script CI uses
 * (.ci/install-system-packages.sh); otherwise it stops with one line saying what to run or install.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeWebGpu } from '../models/testing/webgpu-adapter.ts';
import type { AdapterProbe } from '../models/testing/webgpu-adapter.ts';

const INSTALL_SCRIPT = '.ci/install-system-packages.sh';

export interface Facts {
  /** CHROMIUM_PATH, else Debian's /usr/bin/chromium; `explicit` when CHROMIUM_PATH chose it. */
  chromium: { path: string; explicit: boolean; found: boolean };
  webgpu: AdapterProbe;
  /** ffmpeg on PATH: the CLI decodes videos with it, and the video tests make their clips with it. */
  ffmpeg: { found: boolean };
  platform: NodeJS.Platform;
  /** /etc/os-release says Debian (the install script is Debian's: apt, bookworm-backports). */
  debian: boolean;
  root: boolean;
}

export type Decision =
  { action: 'ok' } | { action: 'install'; missing: string[] } | { action: 'stop'; message: string };

export function decide(facts: Facts): Decision {
  const { chromium, webgpu } = facts;
  if (chromium.explicit && !chromium.found) {
    // Installing Debian's Chromium would not change what the tests run.
    return {
      action: 'stop',
      message: `CHROMIUM_PATH is ${chromium.path}, which is not an executable file: point it at Chromium, or unset it.`,
    };
  }
  const missing = [
    ...(chromium.found ? [] : [`Chromium (${chromium.path})`]),
    ...(webgpu.found ? [] : [`a WebGPU adapter (${webgpu.reason})`]),
    ...(facts.ffmpeg.found ? [] : ['ffmpeg (on PATH)']),
  ];
  if (missing.length === 0) return { action: 'ok' };
  const needs = `npm test needs ${missing.join(' and ')}`;
  if (facts.debian && facts.platform === 'linux') {
    if (facts.root) return { action: 'install', missing };
    return { action: 'stop', message: `${needs}: run \`sudo bash ${INSTALL_SCRIPT}\`, then npm test again.` };
  }
  const install = [
    ...(chromium.found ? [] : ['Chromium, with CHROMIUM_PATH set to its executable']),
    ...(webgpu.found ? [] : [driverAdvice(facts.platform)]),
    ...(facts.ffmpeg.found ? [] : [FFMPEG_ADVICE]),
  ];
  return { action: 'stop', message: `${needs}: install ${install.join(', and ')}.` };
}

const FFMPEG_ADVICE = 'ffmpeg (apt install ffmpeg, brew install ffmpeg, winget install ffmpeg)';

function driverAdvice(platform: NodeJS.Platform): string {
  if (platform !== 'linux')
    return 'a graphics driver with WebGPU support (Metal on macOS, Direct3D 12 on Windows)';
  return (
    "a Vulkan driver: your GPU's, or Mesa's software one, lavapipe, Mesa 23 or later " +
    '(mesa-vulkan-drivers on Ubuntu and Fedora, vulkan-swrast on Arch)'
  );
}

/**
 * Where the facts come from. TESSERA_PREREQUISITES_TEST (JSON) stands in the machine for this script's own
 * test only: another /etc/os-release, user id, default Chromium path, install script and ffmpeg.
 */
interface Machine {
  osRelease: string;
  uid: number;
  defaultChromium: string;
  installScript: string;
  /** The ffmpeg executable to look for; null: search PATH. */
  ffmpeg: string | null;
}

function machine(): Machine {
  const real: Machine = {
    osRelease: '/etc/os-release',
    uid: process.getuid?.() ?? -1,
    defaultChromium: '/usr/bin/chromium',
    installScript: fileURLToPath(new URL(`../${INSTALL_SCRIPT}`, import.meta.url)),
    ffmpeg: null,
  };
  const test = process.env.TESSERA_PREREQUISITES_TEST;
  return test ? { ...real, ...(JSON.parse(test) as Partial<Machine>) } : real;
}

function gather(at: Machine): Facts {
  const explicit = Boolean(process.env.CHROMIUM_PATH);
  const path = process.env.CHROMIUM_PATH || at.defaultChromium;
  return {
    chromium: { path, explicit, found: isExecutableFile(path) },
    webgpu: probeWebGpu(),
    ffmpeg: { found: at.ffmpeg === null ? onPath('ffmpeg') : isExecutableFile(at.ffmpeg) },
    platform: process.platform,
    debian: /^ID="?debian"?$/m.test(readText(at.osRelease)),
    root: at.uid === 0,
  };
}

function onPath(command: string): boolean {
  const names = process.platform === 'win32' ? [`${command}.exe`] : [command];
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && names.some((name) => isExecutableFile(join(dir, name))));
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** 0 when the tests can run, 1 (after one line on stderr) when they cannot. */
export function checkPrerequisites(): number {
  const at = machine();
  const first = decide(gather(at));
  if (first.action === 'ok') return 0;
  if (first.action === 'stop') return stop(first.message);
  console.error(`npm test needs ${first.missing.join(' and ')}: installing with ${INSTALL_SCRIPT}`);
  const run = spawnSync('bash', [at.installScript], { stdio: 'inherit' });
  if (run.status !== 0)
    return stop(`${INSTALL_SCRIPT} failed (exit code ${run.status}); see its output above.`);
  const after = decide(gather(at));
  if (after.action === 'ok') return 0;
  const still = after.action === 'install' ? after.missing.join(' and ') : after.message;
  return stop(`still missing after ${INSTALL_SCRIPT}: ${still}`);
}

function stop(message: string): number {
  console.error(`tessera: ${message}`);
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = checkPrerequisites();
