#!/usr/bin/env node
// The installed `cchc` bin: registers tsx from this package's own dependencies (so it works from any directory,
// unlike `node --import tsx`, which resolves tsx from the current one), then runs the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
