/**
 * The engine side of the protocol: owns at most one loaded model and answers requests in order of arrival
 * (generation itself is serialised by the model). Errors go back as codes and messages.
 */
import { TesseraError, isTesseraError } from '../errors.ts';
import type { DtypeChoice } from '../runtime/model-folder.ts';
import type { Device } from '../runtime/onnx.ts';
import { Vlm } from '../runtime/vlm.ts';
import type { OnStage } from '../runtime/progress.ts';
import type { EngineMessage, EngineRequest, EngineResults, MessagePort, WireError } from './protocol.ts';
import { engineRequestSchema } from './protocol.ts';

export class EngineServer {
  private model: Vlm | null = null;
  private readonly running = new Map<number, AbortController>();

  constructor(private readonly port: MessagePort) {
    port.onMessage((message) => void this.receive(message));
  }

  private send(message: EngineMessage): void {
    this.port.send(message);
  }

  private async receive(message: unknown): Promise<void> {
    const parsed = engineRequestSchema.safeParse(message);
    const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : -1;
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'request'}: ${i.message}`)
        .join('; ');
      this.send({
        type: 'result',
        id,
        ok: false,
        error: { code: 'BAD_REQUEST', message: `Invalid request: ${detail}` },
      });
      return;
    }
    try {
      const value = await this.handle(parsed.data);
      this.send({ type: 'result', id, ok: true, value });
    } catch (error) {
      this.send({ type: 'result', id, ok: false, error: toWire(error) });
    }
  }

  private async handle(request: EngineRequest): Promise<EngineResults[EngineRequest['type']]> {
    switch (request.type) {
      case 'load': {
        await this.model?.dispose();
        this.model = null;
        this.model = await Vlm.load(request.dir, {
          device: request.device as Device | undefined,
          dtype: request.dtype as DtypeChoice | undefined,
          kvBudgetBytes: request.kvBudgetBytes,
          onStage: this.reporter(request.id),
        });
        return this.model.info;
      }
      case 'generate': {
        const controller = new AbortController();
        this.running.set(request.id, controller);
        try {
          return await this.loaded().generate(
            request.request,
            (text) => this.send({ type: 'delta', id: request.id, text }),
            controller.signal,
            this.reporter(request.id),
          );
        } finally {
          this.running.delete(request.id);
        }
      }
      case 'abort': {
        const controller = this.running.get(request.target);
        controller?.abort();
        return controller !== undefined;
      }
      case 'prepareImage':
        return this.loaded().prepareImage(
          request.data,
          request.detail,
          this.reporter(request.id),
          request.sha256,
        );
      case 'forgetThread':
        this.loaded().forgetThread(request.threadId);
        return true;
      case 'countTokens':
        return this.loaded().countTokens(request.messages, request.sizes, this.reporter(request.id));
    }
  }

  /**
   * Stage reports of one request for the caller's watchdog. A stage repeated within a second (each decode
   * step) is sent once: the watchdog needs to see progress, not every token.
   */
  private reporter(id: number): OnStage {
    let last = { key: '', at: 0 };
    return (report) => {
      const key = `${report.stage}\n${report.file ?? ''}`;
      const now = performance.now();
      if (key === last.key && now - last.at < 1000) return;
      last = { key, at: now };
      this.send({ type: 'stage', id, ...report });
    };
  }

  private loaded(): Vlm {
    if (!this.model) throw new TesseraError('MODEL_NOT_LOADED', 'No model is loaded; load one first.');
    return this.model;
  }
}

function toWire(error: unknown): WireError {
  if (isTesseraError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
