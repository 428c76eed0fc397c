/**
 * EngineHost's restart policy against fake engine processes (no ONNX): backoff that grows, a cap after
 * which it gives up until the user acts, requests in flight failed on a crash, load errors kept apart
 * from crashes. The real-process crash is in services.test.ts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../app/ipc/contract.ts';
import type { EngineProcess } from '../../models/engine/process.ts';
import { EngineHost, engineDevice } from './engine-host.ts';
import type { EngineTarget } from './engine-host.ts';

type Behaviour = 'healthy' | 'crash-on-load' | 'load-error' | 'silent' | 'stuck-in-template' | 'slow-load';

let nextPid = 1000;

class FakeEngine implements EngineProcess {
  readonly pid = nextPid++;
  readonly received: Array<{ id: number; type: string }> = [];
  private readonly messageListeners: Array<(m: unknown) => void> = [];
  private readonly exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  private exited = false;

  constructor(private readonly behaviour: Behaviour) {
    if (behaviour !== 'silent') setTimeout(() => this.emit({ type: 'ready', pid: this.pid }), 1);
  }

  send(message: unknown): void {
    const m = message as { id: number; type: string };
    this.received.push(m);
    setTimeout(() => {
      if (m.type === 'load') {
        if (this.behaviour === 'crash-on-load') return this.exit(null, 'SIGSEGV');
        if (this.behaviour === 'stuck-in-template') {
          return this.emit({ type: 'stage', id: m.id, stage: 'template', file: TEMPLATE });
        }
        if (this.behaviour === 'slow-load') return; // a load that takes longer than anyone waits
        if (this.behaviour === 'load-error') {
          return this.emit({
            type: 'result',
            id: m.id,
            ok: false,
            error: { code: 'MODEL_FILE_MISSING', message: 'no such model' },
          });
        }
        const place = { provider: 'cpu', dtype: 'fp32' };
        const info = { providers: { vision: place, embed: place, decoder: place } };
        return this.emit({ type: 'result', id: m.id, ok: true, value: info });
      }
      if (m.type === 'forgetThread') this.emit({ type: 'result', id: m.id, ok: true, value: true });
      // 'generate' never answers: the tests kill the process under it.
    }, 1);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(listener);
  }

  kill(): void {
    this.exit(null, 'SIGKILL');
  }

  exit(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners) listener(code, signal);
  }

  private emit(message: unknown): void {
    if (!this.exited) for (const listener of this.messageListeners) listener(message);
  }
}

const target: EngineTarget = {
  modelId: 'm1',
  dir: '/models/m1',
  device: 'cpu',
  name: 'm1',
  family: 'smolvlm',
};
const other: EngineTarget = {
  modelId: 'm2',
  dir: '/models/m2',
  device: 'cpu',
  name: 'm2',
  family: 'smolvlm',
};
const TEMPLATE = join(tmpdir(), 'tessera-host-test-template.jinja');
let host: EngineHost | undefined;

afterEach(async () => {
  await host?.dispose();
  host = undefined;
});

function start(behaviours: () => Behaviour, restart = {}, deadlines = {}) {
  const spawned: FakeEngine[] = [];
  const spawnedAt: number[] = [];
  const states: EngineStatus[] = [];
  host = new EngineHost({
    spawn: () => {
      const engine = new FakeEngine(behaviours());
      spawned.push(engine);
      spawnedAt.push(performance.now());
      return engine;
    },
    restart: { initialDelayMs: 20, maxDelayMs: 80, maxRestarts: 3, windowMs: 60_000, ...restart },
    deadlines,
    log: () => {},
  });
  host.onStatus((s) => states.push(s));
  return { host, spawned, spawnedAt, states };
}

const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('EngineHost', () => {
  it('starts the engine, loads the target and reports ready', async () => {
    const { host, spawned, states } = start(() => 'healthy');
    await host.setTarget(target);
    expect(host.status).toMatchObject({ state: 'ready', modelId: 'm1', error: null, restarts: 0 });
    expect(states.map((s) => s.state)).toEqual(['starting', 'ready']);
    expect(spawned[0]?.received.find((m) => m.type === 'load')).toMatchObject({
      dir: '/models/m1',
      device: 'cpu',
    });
    // The same target again is no reload.
    await host.setTarget({ ...target });
    expect(spawned[0]?.received.filter((m) => m.type === 'load')).toHaveLength(1);
    // Another device reloads in the same process.
    await host.setTarget({ ...target, device: 'gpu' });
    expect(spawned).toHaveLength(1);
    expect(spawned[0]?.received.filter((m) => m.type === 'load').at(-1)).toMatchObject({ device: 'webgpu' });
  });

  it('fails the request in flight when the process dies, then restarts and reloads', async () => {
    const { host, spawned, states } = start(() => 'healthy');
    await host.setTarget(target);
    const pending = host.withEngine((c) => c.generate({ messages: [] }), { busy: true });
    await until(() => host.status.state === 'busy');
    spawned[0]?.exit(null, 'SIGKILL');
    await expect(pending).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    await until(() => host.status.state === 'ready');
    expect(host.status.restarts).toBe(1);
    expect(spawned).toHaveLength(2);
    expect(states.map((s) => s.state)).toEqual(['starting', 'ready', 'busy', 'restarting', 'ready']);
    await expect(host.withEngine((c) => c.request('forgetThread', { threadId: 't' }))).resolves.toBe(true);
  });

  it('backs off exponentially, then gives up until the user acts', async () => {
    let healthy = false;
    const { host, spawned, spawnedAt, states } = start(() => (healthy ? 'healthy' : 'crash-on-load'));
    await expect(host.setTarget(target)).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    await until(() => host.status.state === 'crashed');
    expect(spawned).toHaveLength(4); // the first start and 3 restarts
    const gaps = spawnedAt.slice(1).map((t, i) => t - (spawnedAt[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(host.status.error?.message).toMatch(/stopped restarting/);
    expect(states.filter((s) => s.state === 'restarting').length).toBeGreaterThanOrEqual(3);
    await expect(host.withEngine(async () => 1)).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    await new Promise((r) => setTimeout(r, 200));
    expect(spawned).toHaveLength(4); // no more restarts on its own

    healthy = true;
    await host.setTarget(target); // the user acts: the services set the target for every answer
    expect(host.status).toMatchObject({ state: 'ready', error: null });
    await expect(host.withEngine(async () => 1)).resolves.toBe(1);
  });

  it('keeps a load error apart from a crash: no restart, and the next request loads again', async () => {
    let behaviour: Behaviour = 'load-error';
    const { host, spawned } = start(() => behaviour);
    await expect(host.setTarget(target)).rejects.toMatchObject({ code: 'MODEL_FILE_MISSING' });
    expect(host.status).toMatchObject({ state: 'stopped', error: { code: 'MODEL_FILE_MISSING' } });
    expect(spawned).toHaveLength(1);
    behaviour = 'healthy';
    await expect(host.withEngine(async () => 'again')).rejects.toMatchObject({ code: 'MODEL_FILE_MISSING' });
    expect(spawned).toHaveLength(1);
    expect(spawned[0]?.received.filter((m) => m.type === 'load')).toHaveLength(2);
  });

  it('kills a process that never says it is ready, and counts it as a crash', async () => {
    const first = { value: true };
    const { host, spawned } = start(() => (first.value ? ((first.value = false), 'silent') : 'healthy'), {
      readyTimeoutMs: 50,
    });
    await expect(host.setTarget(target)).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    await until(() => host.status.state === 'ready');
    expect(spawned).toHaveLength(2);
    expect(host.status.restarts).toBe(1);
  });

  it('reports NO_MODEL without a target, and stops the process when the target is cleared', async () => {
    const { host, spawned } = start(() => 'healthy');
    await expect(host.withEngine(async () => 1)).rejects.toMatchObject({ code: 'NO_MODEL' });
    await host.setTarget(target);
    await host.setTarget(null);
    expect(host.status.state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 60));
    expect(spawned).toHaveLength(1); // the kill was on purpose: no restart
  });

  it('marks a model unusable when the engine hangs on its template, until the file changes', async () => {
    writeFileSync(TEMPLATE, '{% for i in range(9) %}{% endfor %}');
    try {
      let behaviour: Behaviour = 'stuck-in-template';
      const { host, spawned } = start(() => behaviour, {}, { template: 50 });
      await expect(host.setTarget(target)).rejects.toMatchObject({
        code: 'ENGINE_HUNG',
        message: expect.stringContaining(`rendering the chat template (${TEMPLATE})`),
      });
      await until(() => host.status.error?.code === 'MODEL_UNUSABLE');
      expect(host.status.state).toBe('stopped');
      expect(host.problemOf(target.dir)).toContain(TEMPLATE);
      expect(host.problemOf(other.dir)).toBeNull();
      // Not loaded again while the file is as it was.
      behaviour = 'healthy';
      await expect(host.withEngine(async () => 1)).rejects.toMatchObject({ code: 'MODEL_UNUSABLE' });
      const loads = spawned.flatMap((e) => e.received).filter((m) => m.type === 'load');
      expect(loads).toHaveLength(1);
      // The file is replaced: worth another try.
      writeFileSync(TEMPLATE, 'a fixed template, of another size');
      expect(host.problemOf(target.dir)).toBeNull();
      await host.setTarget(other);
      await host.setTarget(target);
      expect(host.status).toMatchObject({ state: 'ready', modelId: 'm1', error: null });
    } finally {
      rmSync(TEMPLATE, { force: true });
    }
  });

  it('does not blame the model for a slow image or token', async () => {
    const { host } = start(() => 'healthy', {}, { request: 50 });
    await host.setTarget(target);
    // The fake never answers a generation: past the request deadline, the watchdog stops it.
    await expect(host.withEngine((c) => c.generate({ messages: [] }))).rejects.toMatchObject({
      code: 'ENGINE_HUNG',
    });
    await until(() => host.status.state === 'ready');
    expect(host.problemOf(target.dir)).toBeNull();
  });

  it('stops a load still in progress when another model is chosen', async () => {
    let behaviour: Behaviour = 'slow-load';
    const { host, spawned } = start(() => behaviour);
    const first = host.setTarget(target).catch((error: unknown) => error);
    await until(() => spawned[0]?.received.some((m) => m.type === 'load') === true);
    behaviour = 'healthy';
    const startedAt = Date.now();
    await host.setTarget(other);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(await first).toMatchObject({ code: 'ENGINE_CRASHED' });
    expect(spawned).toHaveLength(2);
    expect(host.status).toMatchObject({ state: 'ready', modelId: 'm2', restarts: 0 });
  });

  it('maps the device setting', () => {
    expect(engineDevice('auto')).toBe('auto');
    expect(engineDevice('gpu')).toBe('webgpu');
    expect(engineDevice('cpu')).toBe('cpu');
  });
});
