#!/usr/bin/env node
// The `claude-foundry` command.
import { main } from '../src/index.ts';

process.exitCode = await main(process.argv.slice(2));
