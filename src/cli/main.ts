import { processIO } from './io.js';
import { runCli } from './program.js';

// `serve` resolves only once the server has shut down, so every command ends here.
process.exitCode = await runCli(process.argv.slice(2), processIO());
