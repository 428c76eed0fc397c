/**
 * What the Hub lists, checked before it is trusted: repo ids, file names that stay inside the model
 * folder, and each file's size and hash (an LFS file's sha256, a git file's blob id). A listing with a
 * size that is no byte count is refused, and so is a file without a hash.
 */
import { describe, hubError } from './hub-errors.ts';
import type { RemoteFile, RepoSnapshot } from './hub-types.ts';

/** A file with what downloading it needs: its size and the hash it is checked against. */
export type VerifiableFile = RemoteFile & { size: number } & ({ sha256: string } | { blobId: string });

/** Parses `REPO_ID[@REVISION]`. */
export function parseRepoRef(ref: string): { repo: string; revision: string } {
  const at = ref.lastIndexOf('@');
  const repo = at > 0 ? ref.slice(0, at) : ref;
  const revision = at > 0 ? ref.slice(at + 1) : 'main';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || repo.includes('..')) {
    throw hubError(`"${ref}" is not a Hub repo id (expected OWNER/NAME[@REVISION]).`);
  }
  if (!/^[\w.-]+$/.test(revision)) throw hubError(`"${revision}" is not a valid revision.`);
  return { repo, revision };
}

/** Refuses file names that would escape the model folder. */
export function safeRelativePath(path: string): string {
  const parts = path.split('/');
  if (path.startsWith('/') || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw hubError(`The Hub listed an unsafe file name "${path}".`);
  }
  return path;
}

interface ListedSibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

const isByteCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * One entry of `?blobs=true`: `{ rfilename, size, blobId, lfs?: { sha256, size, pointerSize } }`. An LFS
 * file's `blobId` names its pointer, so its bytes are checked by `lfs.sha256`; a git file's by `blobId`.
 * A size or hash that is present but malformed is refused: a listing that says -5 bytes is broken, and
 * retrying a download against it cannot succeed.
 */
function listedFile(entry: unknown, listing: string): RemoteFile {
  const sibling = (typeof entry === 'object' && entry !== null ? entry : {}) as ListedSibling;
  if (typeof sibling.rfilename !== 'string') throw hubError(`The Hub listed a file without a name.`);
  const path = safeRelativePath(sibling.rfilename);
  const lfs = sibling.lfs ?? undefined;
  const size = lfs ? lfs.size : sibling.size;
  const refuse = (what: string) =>
    hubError(
      `The Hub's answer for ${listing} gives ${path} ${what}; Tessera does not download from a listing ` +
        'it cannot check.',
    );
  if (size !== undefined && !isByteCount(size)) {
    throw refuse(`a size of ${JSON.stringify(size)}, which is not a whole number of bytes`);
  }
  const file: RemoteFile = { path, ...(size !== undefined ? { size } : {}) };
  if (lfs) {
    if (typeof lfs.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(lfs.sha256)) {
      throw refuse(`an LFS sha256 of ${JSON.stringify(lfs.sha256 ?? null)}, which is not a sha256`);
    }
    file.sha256 = lfs.sha256;
  } else if (sibling.blobId !== undefined) {
    if (typeof sibling.blobId !== 'string' || !/^[0-9a-f]{40}$/.test(sibling.blobId)) {
      throw refuse(`a blob id of ${JSON.stringify(sibling.blobId)}, which is not a git object id`);
    }
    file.blobId = sibling.blobId;
  }
  return file;
}

/** The answer of `/api/models/<repo>/revision/<revision>?blobs=true`: the commit and its checked files. */
export function parseSnapshot(text: string, repo: string, revision: string, listing: string): RepoSnapshot {
  let body: { sha?: unknown; siblings?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (error) {
    throw hubError(`The Hub's answer for ${listing} is not JSON (${describe(error)}).`);
  }
  if (typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha) || !Array.isArray(body.siblings)) {
    throw hubError(`The Hub's answer for ${repo}@${revision} has no commit or file list.`);
  }
  const files = (body.siblings as unknown[]).map((s) => listedFile(s, listing));
  return { repo, commit: body.sha, files };
}

/** The file, if it has a size and a hash to be checked against; otherwise a HUB_ERROR (never retried). */
export function verifiable(file: RemoteFile, repo: string): VerifiableFile {
  if (file.size === undefined) {
    throw hubError(`The Hub did not give the size of ${file.path} in ${repo}.`);
  }
  if (!isByteCount(file.size)) {
    throw hubError(`The size of ${file.path} in ${repo}, ${file.size}, is not a whole number of bytes.`);
  }
  if (file.sha256 === undefined && file.blobId === undefined) {
    throw hubError(
      `The Hub gave no hash (LFS sha256 or git blob id) for ${file.path} in ${repo}, so it cannot be ` +
        'verified; Tessera does not download it.',
    );
  }
  return file as VerifiableFile;
}
