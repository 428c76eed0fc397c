/**
 * The victim of the crash test (crash.test.ts): writes conversations into the store at `argv[2]` as fast
 * as it can, forever, streaming answers token by token, and reports each commit on stdout once the call
 * returned. The test kills it with SIGKILL and checks that everything reported survived.
 *
 * Run: node --import tsx main/store/testing/crash-child.ts <dataDir>
 */
import type { MessagePart } from '../../../app/ipc/contract.ts';
import { openStore } from '../store.ts';
import { token, TOKENS_PER_ANSWER, TURNS_PER_THREAD, type Report } from './crash-protocol.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-child.ts <dataDir>');

/**
 * Resolves once the line is handed to the OS, so the next commit never happens before the previous one
 * is reported (and the loop yields to the event loop, as the app's streaming does).
 */
function report(line: Report): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(JSON.stringify(line) + '\n', (error) => (error ? reject(error) : resolve())),
  );
}

const store = openStore(dataDir);
for (let round = 0; ; round++) {
  const threadId = store.createThread().id;
  let parentId: string | null = null;
  for (let turn = 0; turn < TURNS_PER_THREAD; turn++) {
    const parts: MessagePart[] = [
      { type: 'text', text: `Question ${round}.${turn} from pid ${process.pid}` },
    ];
    const question = store.addMessage({ threadId, parentId, role: 'user', parts, status: 'complete' });
    await report({ type: 'message', id: question.id, threadId, parentId, role: 'user', parts });

    const start: MessagePart[] = [{ type: 'text', text: '' }];
    const answer = store.addMessage({
      threadId,
      parentId: question.id,
      role: 'assistant',
      parts: start,
      status: 'streaming',
    });
    await report({
      type: 'message',
      id: answer.id,
      threadId,
      parentId: question.id,
      role: 'assistant',
      parts: start,
    });
    for (let i = 0; i < TOKENS_PER_ANSWER; i++) {
      store.appendText(answer.id, token(i));
      await report({ type: 'append', id: answer.id, count: i + 1 });
    }
    store.finishMessage(answer.id, { status: 'complete' });
    await report({ type: 'finished', id: answer.id });
    parentId = answer.id;
  }
}
