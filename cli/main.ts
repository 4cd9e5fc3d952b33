#!/usr/bin/env node
// The `argmin` command: one binary for the offline CLI, the operator, the interceptor and the API.
import { Command, CommanderError } from 'commander';
import { attributeCommand } from './attribute-command.js';

const program = new Command('argmin')
  .description('The system of record for AI consumption: who spends what on AI, and how sure.')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError();

program.addCommand(attributeCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`argmin: ${message}\n`);
  process.exit(1);
}
