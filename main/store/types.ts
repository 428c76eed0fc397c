/**
 * What the main-process services need from persistence. Implemented by the SQLite store (store.ts);
 * services depend on this interface only.
 */
import type { GenerationStats, TokenConfidence } from '../../app/chat.ts';
import type { RemoteServerRecord } from '../../app/remote.ts';
import type {
  ApiServerSettings,
  DownloadJob,
  Draft,
  DraftVideo,
  ImageRef,
  Message,
  MessagePart,
  MessageStatus,
  Settings,
  Thread,
  ThreadDetail,
  ThreadSummary,
  WireError,
} from '../../app/ipc/contract.ts';

/** A thread's own settings; absent: unchanged, null: back to the settings' default. */
export type ThreadChanges = Partial<
  Pick<
    Thread,
    'modelId' | 'systemPrompt' | 'temperature' | 'topP' | 'maxTokens' | 'contextOverflow' | 'earlierImagesLow'
  >
>;

export interface NewMessage {
  threadId: string;
  parentId: string | null;
  role: 'user' | 'assistant';
  parts: MessagePart[];
  status: MessageStatus;
}

/** Settings changes: absent fields stay as they are; `sampling` merges field by field. */
export type SettingsChanges = Partial<Omit<Settings, 'sampling'>> & {
  sampling?: Partial<Settings['sampling']>;
};

/**
 * Main-process settings the renderer never reads as such: the Hub endpoint (shown through HubSettings) and
 * the model folders the user added. Kept in the settings table beside the renderer's Settings.
 */
export interface LocalSettings {
  /** null: HF_ENDPOINT or the default Hub. */
  hubEndpoint: string | null;
  /** Absolute paths, in the order they were added. */
  modelFolders: string[];
  /** The local API server's settings and key (main/api/); absent until first changed or a key is made. */
  apiServer?: StoredApiServer;
  /** Remote OpenAI-compatible servers, in the order they were added (their keys are kept apart). */
  remoteServers: RemoteServerRecord[];
}

export interface StoredApiServer extends ApiServerSettings {
  key: string | null;
}

/** A download as stored: the contract's job without the live figures, plus the variant asked for. */
export interface StoredDownload extends Omit<DownloadJob, 'bytesPerSecond' | 'etaSeconds'> {
  /** The variant the user asked for; null for the default one (the plan's choice is in `variant`). */
  requestedVariant: string | null;
}

export interface Store {
  // Threads (most recent first; soft-deleted ones are hidden until restored or purged).
  listThreads(options?: { query?: string; limit?: number }): ThreadSummary[];
  createThread(title?: string): Thread;
  getThread(id: string): ThreadDetail | null;
  renameThread(id: string, title: string): Thread;
  updateThread(id: string, changes: ThreadChanges): Thread;
  deleteThread(id: string): void;
  restoreThread(id: string): Thread;
  /** Permanently removes soft-deleted threads (at quit and start-up). */
  purgeDeleted(): void;
  setCurrentLeaf(threadId: string, messageId: string): Thread;

  // Messages: a tree per thread. Adding a message makes it the thread's current leaf and bumps updatedAt.
  addMessage(message: NewMessage): Message;
  getMessage(id: string): Message | null;
  /** Root → message, inclusive. */
  pathTo(messageId: string): Message[];
  /** Streaming answers append text; committed in small transactions so a crash loses at most the last delta. */
  appendText(messageId: string, text: string): void;
  finishMessage(
    messageId: string,
    result: {
      status: MessageStatus;
      stats?: GenerationStats | null;
      error?: WireError | null;
      /** An answer's token ids as the model generated them (ChatMessage.tokenIds). */
      tokenIds?: readonly number[] | null;
      /** Each token's probability and alternatives (GenerateResult.confidence). */
      confidence?: readonly TokenConfidence[] | null;
    },
  ): Message;
  /** The token ids recorded for an answer, or null. */
  tokenIdsOf(messageId: string): number[] | null;
  /** The token probabilities recorded for an answer, or null. */
  confidenceOf(messageId: string): TokenConfidence[] | null;
  /** At start-up: answers left 'streaming' by a crash become 'interrupted'. Returns how many. */
  markInterrupted(): number;

  // Images: content-addressed files (sha256) under the data folder.
  putImage(bytes: Uint8Array, meta: Omit<ImageRef, 'sha256' | 'detail'>): { sha256: string };
  getImageBytes(sha256: string): Uint8Array | null;
  getImageMeta(sha256: string): Omit<ImageRef, 'detail'> | null;
  /**
   * Deletes an image's row and file. NOT_FOUND when it is not stored; CONFLICT while a message (soft-deleted
   * threads' too) or a draft refers to it. For an attachment replaced before it was sent (a redaction).
   */
  discardImage(sha256: string): void;

  // Drafts: one per thread. Soft delete keeps it (restore brings it back); purging the thread removes it.
  // No image is ever collected, so a draft's images stay in the store for as long as it needs them.
  // A drafted video whose frames are gone is left out of getDraft's answer, named in droppedVideos.
  getDraft(threadId: string): Draft | null;
  /** NOT_FOUND for a deleted thread or an image (or frame) not stored; nothing in it clears it (null). */
  saveDraft(threadId: string, draft: DraftInput): Draft | null;
  clearDraft(threadId: string): void;

  // Settings.
  getSettings(): Settings;
  updateSettings(changes: SettingsChanges): Settings;
  getLocalSettings(): LocalSettings;
  /** Absent fields stay as they are. */
  updateLocalSettings(changes: Partial<LocalSettings>): LocalSettings;

  // Model downloads (oldest first).
  listDownloads(): StoredDownload[];
  /** Inserts or replaces the download with this id. */
  saveDownload(download: StoredDownload): void;
  deleteDownload(id: string): void;

  // Export.
  exportMarkdown(threadId: string): { filename: string; content: string };
  exportJson(threadId: string): { filename: string; content: string };

  close(): void;
}

/** What saveDraft keeps: the text, the images with their detail, and the videos (none when left out). */
export interface DraftInput {
  text: string;
  images: readonly ImageRef[];
  videos?: readonly DraftVideo[];
}
