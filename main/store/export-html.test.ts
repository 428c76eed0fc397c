import { describe, expect, it } from 'vitest';
import { toHtml } from './export-html.ts';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

describe('toHtml', () => {
  it('renders the Markdown export as a page that loads and runs nothing', () => {
    const markdown = {
      filename: 'screenshot-question.md',
      content: `# A <title>\n\n**You**\n\n![shot.png](${PNG})\n\nWhat is **this**?\n\n<script>alert(1)</script>\n\n[link](javascript:alert(1))\n`,
    };
    const { filename, content } = toHtml(markdown, 'A <title>');
    expect(filename).toBe('screenshot-question.html');
    expect(content).toContain(`<img src="${PNG}" alt="shot.png"/>`);
    expect(content).toContain('<strong>this</strong>');
    expect(content).toContain('<title>A &lt;title&gt;</title>');
    expect(content).not.toContain('<script');
    expect(content).not.toContain('javascript:');
    expect(content).toContain("default-src 'none'");
  });
});
