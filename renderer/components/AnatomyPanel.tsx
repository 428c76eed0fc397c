/**
 * The anatomy of one answer, drawn: the three parts of a vision language model as they ran for it. The vision
 * encoder (its graph, where it ran, each image's views with a click for a view's share of the tokens), the
 * connector (what one token covers and how many patches were merged into it), and the language model (where
 * the prompt came from, what it is made of, and the decode speed over the answer as a chart). Answers stored
 * before these stats were kept, and remote ones, show what they have and say what is not known.
 */
import { useId, useState } from 'react';
import type { CSSProperties, ReactNode } from 'react';
import type { GenerationStats, ImageEncodeStats } from '../../app/chat.ts';
import type { Tile } from '../../app/tile-plan.ts';
import { familyName } from '../../app/families.ts';
import {
  connectorOf,
  encodeNote,
  mergeOf,
  promptMakeup,
  shareOf,
  summariseRates,
  viewsOf,
} from '../lib/anatomy.ts';
import { formatInt, formatMs, formatRate, formatSize } from '../lib/format.ts';
import { fitWithin, layoutPlan } from '../lib/tile-layout.ts';
import { providerName } from './StatsLine.tsx';

const percent = (part: number) => `${Math.round(part * 1000) / 10}%`;

export function AnatomyPanel({ stats, id }: { stats: GenerationStats; id?: string }) {
  const remote = stats.model?.server;
  return (
    <section className="anatomy" id={id} data-testid="anatomy" aria-label="Anatomy of this answer">
      {remote ? (
        <p className="anatomy-missing" data-testid="anatomy-remote">
          Written by {remote.name}: its encoder, connector and decoder are not known here, only the times it
          reported.
        </p>
      ) : null}
      <div className="anatomy-parts">
        {!remote && <VisionPart stats={stats} />}
        {!remote && <span className="anatomy-arrow" aria-hidden="true" />}
        {!remote && <ConnectorPart stats={stats} />}
        {!remote && <span className="anatomy-arrow" aria-hidden="true" />}
        <LanguagePart stats={stats} />
      </div>
    </section>
  );
}

function Part({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  const headingId = useId();
  return (
    <section className="anatomy-part" data-testid={testId} aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {children}
    </section>
  );
}

function Missing({ children }: { children: ReactNode }) {
  return (
    <p className="anatomy-missing" data-testid="anatomy-missing">
      {children}
    </p>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Vision encoder

function VisionPart({ stats }: { stats: GenerationStats }) {
  const [selected, setSelected] = useState<{ image: number; view: number } | null>(null);
  const images = stats.images;
  const selectedImage = selected ? images?.[selected.image] : undefined;
  const selectedView = selectedImage && selected ? viewsOf(selectedImage.plan)[selected.view] : undefined;
  return (
    <Part title="Vision encoder" testId="anatomy-vision">
      <ul className="anatomy-chips">
        <li data-testid="anatomy-vision-graph">{stats.graphs?.vision ?? 'graph file not recorded'}</li>
        <li>{providerName(stats.providers.vision)}</li>
        <li>
          {stats.imagesEncoded} encoded now · {stats.imagesFromCache} from cache
        </li>
      </ul>
      {images === undefined ? (
        <Missing>
          Which views each image became was not recorded for this answer (it is older than this panel).
          Encoding for it took {formatMs(stats.visionEncodeMs)}.
        </Missing>
      ) : images.length === 0 ? (
        <p className="anatomy-note">No image in this prompt.</p>
      ) : (
        <ol className="anatomy-images">
          {images.map((image, i) => (
            <li key={`${image.sha256}-${i}`}>
              <ImageViews
                image={image}
                number={i + 1}
                selected={selected?.image === i ? selected.view : null}
                onSelect={(view) => setSelected({ image: i, view })}
              />
            </li>
          ))}
        </ol>
      )}
      {selectedImage && selectedView && (
        <p className="anatomy-share" data-testid="anatomy-share" role="status">
          <ShareText view={selectedView} image={selectedImage} stats={stats} />
        </p>
      )}
    </Part>
  );
}

function ShareText({ view, image, stats }: { view: Tile; image: ImageEncodeStats; stats: GenerationStats }) {
  const share = shareOf(view, image.plan, stats.promptTokens);
  const what =
    view === image.plan.global ? 'The whole image, downscaled' : `${formatSize(view)} px of the image`;
  return (
    <>
      {what}, as a {formatSize({ width: view.inputWidth, height: view.inputHeight })} input:{' '}
      <strong>{formatInt(view.tokens)} tokens</strong>, {percent(share.ofImage)} of the image’s{' '}
      {formatInt(image.plan.imageTokens)} and {percent(share.ofPrompt)} of the {formatInt(stats.promptTokens)}
      -token prompt.
    </>
  );
}

const THUMB = { width: 168, height: 112 };

/** An image's views drawn to scale: the tiles over the image's outline, the global view beside it. */
function ImageViews({
  image,
  number,
  selected,
  onSelect,
}: {
  image: ImageEncodeStats;
  number: number;
  selected: number | null;
  onSelect: (view: number) => void;
}) {
  const { plan } = image;
  const shown = fitWithin(plan.original, THUMB, true);
  const layout = layoutPlan(plan, shown);
  const views = viewsOf(plan);
  const offset = plan.global ? 1 : 0;
  const viewButton = (view: number, label: string, style: CSSProperties, className: string) => (
    <button
      key={view}
      type="button"
      className={`anatomy-view ${className}`}
      data-testid="anatomy-view"
      aria-pressed={selected === view}
      aria-label={`${label}: ${formatInt(views[view]?.tokens ?? 0)} tokens. Show its share`}
      style={style}
      onClick={() => onSelect(view)}
    />
  );
  return (
    <figure className="anatomy-image">
      <div className="anatomy-views">
        {plan.global &&
          viewButton(
            0,
            `Image ${number}, whole image`,
            {
              width: Math.min(shown.width, shown.height) * 0.6,
              height: Math.min(shown.width, shown.height) * 0.6,
            },
            'is-global',
          )}
        <div className="anatomy-tiles" style={{ width: shown.width, height: shown.height }}>
          {layout.tiles.map((box) =>
            viewButton(
              box.index + offset,
              `Image ${number}, tile row ${box.row + 1} column ${box.col + 1}`,
              { left: box.rect.left, top: box.rect.top, width: box.rect.width, height: box.rect.height },
              'is-tile',
            ),
          )}
        </div>
      </div>
      <figcaption>
        Image {number}: {views.length} {views.length === 1 ? 'view' : 'views'}, {formatInt(plan.imageTokens)}{' '}
        tokens, {encodeNote(image, formatMs)}
      </figcaption>
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Connector

function ConnectorPart({ stats }: { stats: GenerationStats }) {
  const family = stats.model?.family;
  const operation = connectorOf(family);
  const view = stats.images?.[0] ? viewsOf(stats.images[0].plan)[0] : undefined;
  const merge = view ? mergeOf(view, stats.patchSize) : null;
  const perView = new Set(stats.images?.flatMap((i) => viewsOf(i.plan).map((v) => v.tokens)) ?? []);
  return (
    <Part title="Connector" testId="anatomy-connector">
      {merge && view ? (
        <>
          <MergePicture merge={merge} />
          <p className="anatomy-note" data-testid="anatomy-merge">
            {merge.patchesPerSide
              ? `${merge.patchesPerSide}×${merge.patchesPerSide} patches of ${stats.patchSize} px → 1 token`
              : `1 token per ${Math.round(merge.pixelsPerToken)}×${Math.round(merge.pixelsPerToken)} px of input`}
          </p>
          <p className="anatomy-note" data-testid="anatomy-per-view">
            {[...perView].map(formatInt).join(', ')} tokens per view
          </p>
        </>
      ) : (
        <Missing>
          {stats.images === undefined
            ? 'Tokens per view were not recorded for this answer.'
            : 'No image went through the connector for this answer.'}
        </Missing>
      )}
      <p className="anatomy-note">
        {family ? familyName(family) : 'This model'} uses{' '}
        {operation ?? 'a connector Tessera has no description of'}.
      </p>
    </Part>
  );
}

/** A k×k block of patches becoming one token; a plain square where the patch size is not known. */
function MergePicture({ merge }: { merge: { patchesPerSide: number | null } }) {
  const side = Math.min(merge.patchesPerSide ?? 1, 8);
  const cell = 48 / side;
  return (
    <svg className="anatomy-merge" viewBox="0 0 140 56" role="img" aria-label="Patches merged into one token">
      <g transform="translate(4 4)">
        {Array.from({ length: side * side }, (_, i) => (
          <rect
            key={i}
            className="anatomy-patch"
            x={(i % side) * cell}
            y={Math.floor(i / side) * cell}
            width={cell}
            height={cell}
          />
        ))}
      </g>
      <path className="anatomy-merge-arrow" d="M62 28 H88 M82 22 L88 28 L82 34" />
      <rect className="anatomy-token" x="96" y="10" width="36" height="36" rx="4" />
    </svg>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Language model

function LanguagePart({ stats }: { stats: GenerationStats }) {
  const makeup = promptMakeup(stats);
  const total = Math.max(1, stats.promptTokens + stats.generatedTokens);
  const width = (n: number) => `${(n / total) * 100}%`;
  return (
    <Part title="Language model" testId="anatomy-language">
      <ul className="anatomy-chips">
        {stats.graphs && <li>{stats.graphs.decoder}</li>}
        <li>{providerName(stats.providers.decoder)}</li>
      </ul>
      <div
        className="anatomy-bar"
        role="img"
        data-testid="anatomy-prompt-bar"
        aria-label={`${formatInt(stats.promptTokens)} prompt tokens: ${formatInt(makeup.cached)} from the kept cache, ${formatInt(makeup.prefilled)} prefilled; then ${formatInt(stats.generatedTokens)} generated`}
      >
        <span className="is-cached" style={{ width: width(makeup.cached) }} />
        <span className="is-prefilled" style={{ width: width(makeup.prefilled) }} />
        <span className="is-generated" style={{ width: width(stats.generatedTokens) }} />
      </div>
      <ul className="anatomy-legend">
        <li className="is-cached">{formatInt(makeup.cached)} from the kept cache</li>
        <li className="is-prefilled">
          {formatInt(makeup.prefilled)} prefilled in {formatMs(stats.prefillMs)}
        </li>
        <li className="is-generated">{formatInt(stats.generatedTokens)} generated</li>
      </ul>
      {makeup.image !== null && makeup.text !== null ? (
        <p className="anatomy-note" data-testid="anatomy-makeup">
          Of the prompt, {formatInt(makeup.image)} tokens are images and {formatInt(makeup.text)} text.
        </p>
      ) : (
        <Missing>How many prompt tokens were images was not recorded for this answer.</Missing>
      )}
      <RateChart stats={stats} />
    </Part>
  );
}

const CHART = { width: 240, height: 64 };

function RateChart({ stats }: { stats: GenerationStats }) {
  const rates = stats.decodeRates;
  const summary = rates ? summariseRates(rates) : null;
  if (!rates || !summary) {
    return (
      <Missing>
        {rates
          ? 'Too short to chart: no token was decoded after the first.'
          : `Decode speed over the answer was not recorded; on average ${formatRate(stats.decodeTokensPerSecond)} tokens/s.`}
      </Missing>
    );
  }
  const values = rates.tokensPerSecond;
  const slot = CHART.width / values.length;
  const top = summary.max > 0 ? summary.max : 1;
  return (
    <figure className="anatomy-chart">
      <svg
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        role="img"
        data-testid="anatomy-chart"
        aria-label={`Decode speed per ${rates.window} tokens: from ${formatRate(summary.first)} to ${formatRate(summary.last)} tokens/s, between ${formatRate(summary.min)} and ${formatRate(summary.max)}`}
      >
        {values.map((value, i) => {
          const height = Math.max(1, (value / top) * (CHART.height - 4));
          return (
            <rect
              key={i}
              className="anatomy-chart-bar"
              data-testid="anatomy-chart-bar"
              x={i * slot + slot * 0.1}
              y={CHART.height - height}
              width={Math.max(1, slot * 0.8)}
              height={height}
            />
          );
        })}
      </svg>
      <figcaption>
        Decode: {formatRate(stats.decodeTokensPerSecond)} tokens/s on average, up to {formatRate(summary.max)}
        ; a bar per {rates.window} tokens
      </figcaption>
    </figure>
  );
}
