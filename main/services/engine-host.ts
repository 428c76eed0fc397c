/**
 * Owns the engine process: starts it, keeps the wanted model loaded, reports its state, and restarts it
 * after a crash with exponential backoff, giving up after too many crashes in a window (a model that
 * crashes on load would otherwise loop forever) until the user acts. Requests in flight when the process
 * dies are failed by EngineClient with ENGINE_CRASHED; nothing waits on a dead process.
 *
 * The process factory is injected (`spawn`), so the CLI forks Node, Electron uses a utilityProcess, and
 * tests can kill the process. It returns the transport (EngineProcess) rather than an EngineClient
 * because the host must hear the exit itself, even when nothing is in flight.
 *
 * An engine that the client's watchdog stopped because one of the model's own files never finished (a
 * chat template that loops, a tokenizer regex that backtracks forever) marks that model unusable: it is
 * not loaded again until the file changes, and `problemOf` gives the reason for the model lists. Choosing
 * another model while one is still loading stops that load at once rather than waiting for it.
 */
import type { DeviceSetting, EngineStatus, WireError } from '../../app/ipc/contract.ts';
import { statSync } from 'node:fs';
import { EngineClient } from '../../models/engine/client.ts';
import type { EngineProcess } from '../../models/engine/process.ts';
import type { Deadlines, Hang } from '../../models/engine/watchdog.ts';
import { TesseraError } from '../../models/errors.ts';

export interface EngineTarget {
  modelId: string;
  dir: string;
  device: DeviceSetting;
  /** The model's listed name and family: answers record which model wrote them. */
  name: string;
  family: string;
}

export interface RestartPolicy {
  /** First delay; doubled for each crash in the window. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Automatic restarts allowed within `windowMs`; one more crash and the host gives up. */
  maxRestarts: number;
  windowMs: number;
  /** How long a fresh process may take to say it is ready before it is killed (counted as a crash). */
  readyTimeoutMs: number;
}

export interface EngineHostOptions {
  spawn: () => EngineProcess;
  restart?: Partial<RestartPolicy>;
  /** The watchdog's per-stage deadlines (models/engine/watchdog.ts); tests shorten them. */
  deadlines?: Partial<Deadlines>;
  log?: (message: string) => void;
}

/** A model the watchdog found stuck on one of its files, until that file changes. */
interface Unusable {
  reason: string;
  file: string | null;
  /** The file's size and modification time when it hung. */
  stamp: string;
}

const DEFAULT_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  maxRestarts: 5,
  windowMs: 10 * 60_000,
  readyTimeoutMs: 60_000,
};

/** The settings' device choice as an engine device. 'gpu' means WebGPU: the one GPU path on every OS. */
export function engineDevice(setting: DeviceSetting): 'auto' | 'webgpu' | 'cpu' {
  return setting === 'gpu' ? 'webgpu' : setting;
}

interface Running {
  client: EngineClient;
  process: EngineProcess;
  generation: number;
  /** The target whose model this process has loaded. */
  loadedKey: string | null;
  /** The target it is loading now. */
  loadingKey: string | null;
}

const keyOf = (t: EngineTarget | null): string | null => (t ? `${t.dir}\n${t.device}` : null);
const stampOf = (file: string | null): string => {
  const info = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
  return info ? `${info.size}:${info.mtimeMs}` : 'none';
};
/** Marks a promise as handled: callers that await it still see the rejection. */
const handled = <T>(p: Promise<T>): Promise<T> => (p.catch(() => {}), p);

export class EngineHost {
  private readonly policy: RestartPolicy;
  private readonly log: (message: string) => void;
  private wanted: EngineTarget | null = null;
  private running: Running | null = null;
  /** Resolves to a client with the target's model loaded; null when nothing has been started. */
  private loaded: Promise<EngineClient> | null = null;
  /** Boots run one after another, so two loads never race inside the engine. */
  private bootChain: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private crashTimes: number[] = [];
  private gaveUp: TesseraError | null = null;
  private backoff: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  private busy = 0;
  private disposed = false;
  private readonly unusable = new Map<string, Unusable>();
  private readonly unusableListeners = new Set<(dir: string) => void>();
  private current: EngineStatus = {
    state: 'stopped',
    modelId: null,
    providers: null,
    error: null,
    restarts: 0,
  };
  private readonly listeners = new Set<(status: EngineStatus) => void>();

  constructor(private readonly options: EngineHostOptions) {
    this.policy = { ...DEFAULT_POLICY, ...options.restart };
    this.log = options.log ?? ((message) => console.error(`tessera engine: ${message}`));
  }

  get status(): EngineStatus {
    return this.current;
  }

  /** The model the host keeps loaded (or is loading), if any. */
  get target(): EngineTarget | null {
    return this.wanted;
  }

  /** The engine's process id, while one runs (tests kill it). */
  get pid(): number | undefined {
    return this.running?.process.pid;
  }

  /** Why the model in `dir` is not loaded (its files made the engine hang), or null. */
  problemOf(dir: string): string | null {
    const mark = this.unusable.get(dir);
    if (!mark) return null;
    if (stampOf(mark.file) !== mark.stamp) {
      this.unusable.delete(dir); // The file was replaced: worth another try.
      return null;
    }
    return mark.reason;
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * The model to keep loaded (null: none, and the process is stopped). A change loads at once; the promise
   * settles when the model is loaded or failed to load. After the host gave up, any call counts as the
   * user acting (the services call it for every answer), and allows a new round of restarts.
   */
  setTarget(target: EngineTarget | null): Promise<void> {
    if (this.disposed) return Promise.reject(stopped());
    if (keyOf(target) === keyOf(this.wanted) && this.loaded) return this.loaded.then(() => undefined);
    this.wanted = target;
    this.gaveUp = null;
    this.crashTimes = [];
    if (!target) {
      this.stopProcess();
      this.loaded = null;
      this.update({ state: 'stopped', modelId: null, providers: null, error: null });
      return Promise.resolve();
    }
    this.backoff?.wake(); // The user chose something: no reason to wait out a backoff.
    // A load of another model still in progress is no longer wanted: stop it rather than wait for it.
    if (this.running?.loadingKey && this.running.loadingKey !== keyOf(target)) this.stopProcess();
    return this.startLoading().then(() => undefined);
  }

  /** Runs `fn` with a started engine that has the target's model loaded. `busy` marks a generation. */
  async withEngine<T>(
    fn: (client: EngineClient) => Promise<T>,
    options: { busy?: boolean } = {},
  ): Promise<T> {
    const client = await this.ready();
    if (options.busy && this.busy++ === 0 && this.current.state === 'ready') this.update({ state: 'busy' });
    try {
      return await fn(client);
    } finally {
      if (options.busy && --this.busy === 0 && this.current.state === 'busy') this.update({ state: 'ready' });
    }
  }

  /** Drops a thread's KV cache if the engine is up; never starts the engine for it. */
  forgetThread(threadId: string): void {
    const running = this.running;
    if (running?.loadedKey) void running.client.request('forgetThread', { threadId }).catch(() => {});
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.backoff?.wake();
    // Listen before killing: a process that is already gone would never report its exit.
    const gone = this.running ? exited(this.running.process, 3_000) : Promise.resolve();
    this.stopProcess();
    await gone;
    this.update({ state: 'stopped' });
  }

  private ready(): Promise<EngineClient> {
    if (this.disposed) return Promise.reject(stopped());
    if (this.gaveUp) return Promise.reject(this.gaveUp);
    if (!this.wanted) {
      return Promise.reject(
        new TesseraError('NO_MODEL', 'No model is selected. Add a model folder and choose it in settings.'),
      );
    }
    return this.loaded ?? this.startLoading();
  }

  private startLoading(): Promise<EngineClient> {
    const promise = this.queueBoot();
    this.loaded = promise;
    // A failed load (missing file…) is retried by the next request; a crash has already put a restart here.
    promise.catch(() => {
      if (this.loaded === promise) this.loaded = null;
    });
    return promise;
  }

  private queueBoot(): Promise<EngineClient> {
    const run = this.bootChain.then(() => this.boot());
    this.bootChain = run.catch(() => {});
    return handled(run);
  }

  /** Starts a process if none runs and loads the current target into it, unless it is already loaded. */
  private async boot(): Promise<EngineClient> {
    if (this.disposed) throw stopped();
    if (this.gaveUp) throw this.gaveUp;
    const target = this.wanted;
    if (!target) throw new TesseraError('NO_MODEL', 'No model is selected.');
    const key = keyOf(target);
    if (this.running?.loadedKey === key) return this.running.client;
    const problem = this.problemOf(target.dir);
    if (problem) {
      this.update({
        state: 'stopped',
        modelId: target.modelId,
        providers: null,
        error: { code: 'MODEL_UNUSABLE', message: problem },
      });
      throw new TesseraError('MODEL_UNUSABLE', problem);
    }
    const restarting = this.current.state === 'restarting';
    this.update({
      state: restarting ? 'restarting' : 'starting',
      modelId: target.modelId,
      providers: null,
      error: restarting ? this.current.error : null,
    });
    let running: Running;
    try {
      running = this.running ?? this.spawnProcess();
    } catch (error) {
      this.update({
        state: 'stopped',
        error: { code: 'INTERNAL', message: `The engine could not start: ${String(error)}` },
      });
      throw error;
    }
    // Marked before the process is even ready: choosing another model meanwhile stops this one at once.
    running.loadingKey = key;
    running.loadedKey = null;
    try {
      await withTimeout(running.client.ready, this.policy.readyTimeoutMs, () => running.process.kill());
      const info = await running.client.request('load', {
        dir: target.dir,
        device: engineDevice(target.device),
      });
      running.loadingKey = null;
      running.loadedKey = key;
      if (running === this.running && keyOf(this.wanted) === key) {
        this.update({ state: this.busy ? 'busy' : 'ready', providers: info.providers, error: null });
      }
      return running.client;
    } catch (error) {
      running.loadingKey = null;
      // A crash is reported by onExit (which schedules the restart); a load failure leaves the process up.
      if (running === this.running && !(error instanceof TesseraError && error.code === 'ENGINE_CRASHED')) {
        const { code, message }: WireError =
          error instanceof TesseraError ? error : { code: 'INTERNAL', message: String(error) };
        this.update({ state: 'stopped', providers: null, error: { code, message } });
      }
      throw error;
    }
  }

  private spawnProcess(): Running {
    const generation = ++this.generation;
    const process = this.options.spawn();
    // The process ends once: when it exits, or when the watchdog stops it (its exit may come later).
    let ended = false;
    const end = (code: number | null, signal: string | null, hang: Hang | null) => {
      if (ended) return;
      ended = true;
      if (hang) this.onHang(running, hang);
      this.onExit(generation, code, signal, hang);
    };
    const client = new EngineClient(process, {
      deadlines: this.options.deadlines,
      onHang: (hang) => end(null, 'SIGKILL', hang),
    });
    const running: Running = { client, process, generation, loadedKey: null, loadingKey: null };
    // Registered after EngineClient's own listener, which fails the requests in flight first.
    process.onExit((code, signal) => end(code, signal, client.hang));
    this.running = running;
    return running;
  }

  /** Kills the process on purpose: bumping the generation makes onExit ignore its exit. */
  private stopProcess(): void {
    this.generation++;
    this.running?.process.kill();
    this.running = null;
  }

  /** The watchdog stopped the engine: remember a model whose own file never finished. */
  private onHang(running: Running, hang: Hang): void {
    this.log(hang.message);
    const dir = (running.loadingKey ?? running.loadedKey)?.split('\n')[0];
    if (!dir || !hang.modelAtFault) return;
    this.unusable.set(dir, { reason: hang.message, file: hang.file, stamp: stampOf(hang.file) });
    for (const listener of [...this.unusableListeners]) listener(dir);
  }

  /** Told when a model is marked unusable (the model lists show why). */
  onUnusable(listener: (dir: string) => void): () => void {
    this.unusableListeners.add(listener);
    return () => void this.unusableListeners.delete(listener);
  }

  private onExit(generation: number, code: number | null, signal: string | null, hang: Hang | null): void {
    if (generation !== this.generation || this.disposed) return;
    this.running = null;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.policy.windowMs), now];
    const crashes = this.crashTimes.length;
    if (crashes > this.policy.maxRestarts) {
      const minutes = Math.round(this.policy.windowMs / 60_000);
      this.gaveUp = new TesseraError(
        'ENGINE_CRASHED',
        `The inference engine stopped unexpectedly (${how}), ${crashes} times within ${minutes} minutes, so ` +
          'Tessera stopped restarting it. Choose another device or model in settings, or send again to retry.',
      );
      this.log(`stopped (${how}); giving up after ${crashes} crashes`);
      this.loaded = null;
      this.update({
        state: 'crashed',
        providers: null,
        error: { code: 'ENGINE_CRASHED', message: this.gaveUp.message },
      });
      return;
    }
    if (!this.wanted) {
      this.loaded = null;
      this.update({ state: 'stopped', providers: null });
      return;
    }
    const delay = Math.min(this.policy.initialDelayMs * 2 ** (crashes - 1), this.policy.maxDelayMs);
    this.log(`stopped (${how}); restarting in ${delay} ms (crash ${crashes} of ${this.policy.maxRestarts})`);
    this.update({
      state: 'restarting',
      providers: null,
      restarts: this.current.restarts + 1,
      error: hang
        ? { code: 'ENGINE_HUNG', message: hang.message }
        : {
            code: 'ENGINE_CRASHED',
            message: `The inference engine stopped unexpectedly (${how}); restarting it.`,
          },
    });
    const restart = this.sleep(delay).then(() => this.queueBoot());
    this.loaded = handled(restart);
    restart.catch(() => {
      if (this.loaded === restart) this.loaded = null;
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        if (this.backoff?.timer === timer) this.backoff = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.backoff = { timer, wake };
    });
  }

  private update(changes: Partial<EngineStatus>): void {
    const next: EngineStatus = { ...this.current, ...changes };
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    for (const listener of [...this.listeners]) listener(next);
  }
}

const stopped = () => new TesseraError('INTERNAL', 'Tessera is shutting down; the engine has stopped.');

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new TesseraError('ENGINE_CRASHED', `The inference engine did not start within ${ms / 1000} s.`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves when the process exits, or after `ms` (a killed process that lingers must not block quit). */
function exited(process: EngineProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    process.onExit(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
