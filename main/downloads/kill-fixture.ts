/**
 * For the kill test: downloads one file in a process of its own, so the test can SIGKILL it mid-file.
 * Usage: node --import tsx kill-fixture.ts ENDPOINT REPO COMMIT PATH SIZE SHA256 DEST
 */
import { HubClient } from './hub-client.ts';

const [endpoint, repo, commit, path, size, sha256, dest] = process.argv.slice(2);
if (!endpoint || !repo || !commit || !path || !size || !sha256 || !dest) throw new Error('missing arguments');
const client = new HubClient({ endpoint, backoffMs: 10, stallMs: 5000 });
await client.downloadFile(repo, commit, { path, size: Number(size), sha256 }, dest);
