#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, resolved from this package so it works from any directory.
import { register } from 'tsx/esm/api';

register();
await import('../main/cli/index.ts');
