#!/usr/bin/env node
// The `argmin` command: one binary for the offline CLI, the operator, the interceptor and the API.
import { Command, CommanderError } from 'commander';
import { apiCommand } from './api-command.js';
import { attributeCommand } from './attribute-command.js';
import { explainCommand } from './explain-command.js';
import { interceptorCommand } from './interceptor-command.js';
import { operatorCommand } from './operator-command.js';
import { reportCommand } from './report-command.js';
import { validateCommand } from './validate-command.js';
import { ARGMIN_VERSION } from '../attribution/version.js';

const program = new Command('argmin')
  .description('The system of record for AI consumption: who spends what on AI, and how sure.')
  .version(ARGMIN_VERSION)
  .exitOverride()
  .showHelpAfterError();

program.addCommand(attributeCommand());
program.addCommand(validateCommand());
program.addCommand(operatorCommand());
program.addCommand(interceptorCommand());
program.addCommand(apiCommand());
program.addCommand(reportCommand());
program.addCommand(explainCommand());

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
