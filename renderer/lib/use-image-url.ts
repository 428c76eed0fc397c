import { useEffect, useState } from 'react';
import { useServices } from '../state/context.tsx';

/** A blob: URL for a stored image; null until loaded (or if it cannot be). */
export function useImageUrl(sha256: string | null, mime: string): string | null {
  const { images } = useServices();
  const [loaded, setLoaded] = useState<{ sha256: string; url: string | null } | null>(null);
  const cached = sha256 ? images.peek(sha256) : undefined;
  useEffect(() => {
    if (!sha256 || cached) return;
    let live = true;
    void images.load(sha256, mime).then((url) => live && setLoaded({ sha256, url }));
    return () => {
      live = false;
    };
  }, [sha256, mime, cached, images]);
  if (!sha256) return null;
  return cached ?? (loaded?.sha256 === sha256 ? loaded.url : null);
}
