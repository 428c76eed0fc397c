/**
 * The engine's errors are the app's (app/errors.ts): one class and one closed set of codes, so a code
 * thrown here reaches the UI and the CLI unchanged. Re-exported because most of models/ imports it here.
 */
export { TesseraError, type ErrorCode, hasCode, isTesseraError } from '../app/errors.ts';
