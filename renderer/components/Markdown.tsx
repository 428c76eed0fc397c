/**
 * Answers as Markdown: GitHub tables and lists, $math$ via KaTeX, highlighted code with a copy button.
 * No raw HTML is rendered (react-markdown's default), and remote images are shown as links, never
 * fetched: an answer must not make the app load anything from the network.
 */
import { memo, useDeferredValue, useRef } from 'react';
import type { ComponentProps } from 'react';
import ReactMarkdown from 'react-markdown';
import type { Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeKatex from 'rehype-katex';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import { CopyButton } from './CopyButton.tsx';

const remarkPlugins = [remarkGfm, remarkMath];
const rehypePlugins: ComponentProps<typeof ReactMarkdown>['rehypePlugins'] = [
  [rehypeKatex, { throwOnError: false, strict: 'ignore' }],
  [rehypeHighlight, { detect: false }],
];

function languageOf(node: unknown): string | null {
  const child = (node as { children?: Array<{ properties?: { className?: unknown } }> } | undefined)
    ?.children?.[0];
  const classes = child?.properties?.className;
  if (!Array.isArray(classes)) return null;
  const language = classes.find((c): c is string => typeof c === 'string' && c.startsWith('language-'));
  return language ? language.slice('language-'.length) : null;
}

function CodeBlock({ node, children, ...rest }: ComponentProps<'pre'> & { node?: unknown }) {
  const pre = useRef<HTMLPreElement>(null);
  const language = languageOf(node);
  return (
    <div className="code-block">
      <div className="code-header">
        <span className="code-language">{language ?? 'text'}</span>
        <CopyButton label="Copy code" testId="copy-code" getText={() => pre.current?.textContent ?? ''} />
      </div>
      <pre ref={pre} {...rest}>
        {children}
      </pre>
    </div>
  );
}

const components: Components = {
  pre: CodeBlock,
  a: ({ node: _node, href, children, ...rest }) => (
    <a href={href} target="_blank" rel="noreferrer noopener" {...rest}>
      {children}
    </a>
  ),
  img: ({ src, alt }) => (
    <a href={typeof src === 'string' ? src : undefined} target="_blank" rel="noreferrer noopener">
      {alt || 'image'}
    </a>
  ),
};

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  // Rendering Markdown for every streamed frame is the costliest work here; deferring it lets React keep
  // typing and scrolling responsive and skip frames that are already out of date.
  const deferred = useDeferredValue(text);
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
        {deferred}
      </ReactMarkdown>
    </div>
  );
});
