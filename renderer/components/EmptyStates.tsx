import { MOD } from '../lib/shortcuts.ts';

/** No model configured: how to get one (a downloader comes later). */
export function NoModel() {
  return (
    <section className="empty-state" data-testid="no-model">
      <div className="empty-mark" aria-hidden="true" />
      <h2>No model yet</h2>
      <p>
        Tessera answers with a vision-language model that runs on this computer. Point it at a folder of
        models in the Hugging Face ONNX layout (for example SmolVLM-256M-Instruct):
      </p>
      <pre className="command">
        <code>tessera serve --model-dir ~/models</code>
      </pre>
      <p>To try the app without downloading weights, make a small random-weight model first:</p>
      <pre className="command">
        <code>npx tessera make-model --family smolvlm --size tiny --out ~/models/tiny</code>
      </pre>
      <p className="muted">Its answers are gibberish, but every part of the app works with it.</p>
    </section>
  );
}

/** An empty thread: what to do first, and what the tile view is. */
export function Welcome() {
  return (
    <section className="empty-state welcome" data-testid="thread-empty">
      <div className="empty-mark" aria-hidden="true" />
      <h2>Ask about an image</h2>
      <ul className="welcome-tips">
        <li>
          Paste a screenshot with <kbd>{MOD}+V</kbd>, drop image files here, or use the paperclip.
        </li>
        <li>
          Each image shows <strong>how the model cuts it into tiles</strong> and what each tile costs in
          tokens. Switch an image to <em>Low</em> detail when small text does not matter.
        </li>
        <li>Several images are sent in order as Image 1, Image 2, … — refer to them by those names.</li>
      </ul>
    </section>
  );
}
