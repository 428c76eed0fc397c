/**
 * videos.*: the active model's plan for a clip the renderer decodes itself (its own media stack; nothing is
 * decoded here). The clip is described at a nominal frame rate, since the browser does not tell the real one;
 * the renderer sends these same facts with the frames, so the engine plans the same frames.
 */
import { NOMINAL_VIDEO_FRAME_RATE } from '../../app/ipc/contract.ts';
import type { Handlers } from '../../app/ipc/contract.ts';
import { TesseraError } from '../../app/errors.ts';
import { unknownPlan } from '../remote/plan.ts';
import type { Context } from './context.ts';
import { familyOf } from './context.ts';

type VideoHandlers = Pick<Handlers, 'videos.plan'>;

export function videoHandlers(ctx: Context): VideoHandlers {
  return {
    'videos.plan': async ({ width, height, durationSeconds, fps, maxFrames }) => {
      const model = ctx.models.resolve(ctx.store.getSettings().activeModelId);
      const family = familyOf(ctx, model);
      if (!family) throw unknownPlan(model);
      if (!family.planVideo) {
        throw new TesseraError(
          'BAD_REQUEST',
          `${model.name} (${family.family}) does not take video. Choose a Qwen2-VL, Qwen2.5-VL or SmolVLM2 ` +
            'model, or ' +
            'attach frames as images.',
        );
      }
      const source = {
        size: { width, height },
        totalFrames: Math.max(1, Math.round(durationSeconds * NOMINAL_VIDEO_FRAME_RATE)),
        frameRate: NOMINAL_VIDEO_FRAME_RATE,
      };
      const sampling = {
        ...(fps === undefined ? {} : { fps }),
        ...(maxFrames === undefined ? {} : { maxFrames }),
      };
      return { source, sampling, plan: family.planVideo(source, sampling) };
    },
  };
}
