// `argmin api` as a process of its own, for the tests that kill it and start it again.
import { apiCommand } from '../../cli/api-command.js';

await apiCommand().parseAsync(process.argv.slice(2), { from: 'user' });
