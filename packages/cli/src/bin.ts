#!/usr/bin/env -S node --import tsx
/** The `cchc` command. Run in the workspace through tsx: `node --import tsx packages/cli/src/bin.ts …`. */
import { main } from './main.js';

process.exitCode = await main(process.argv);
