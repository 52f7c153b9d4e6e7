import { processIO } from './io.js';
import { runCli } from './program.js';

// `serve` resolves only once the server has shut down, so every command ends here.
process.exitCode = await runCli(process.argv.slice(2), processIO());
// A stopped server can still hold idle keep-alive HTTP connections, which uWS closes only
// after its idle timeout (10 s); everything worth finishing has finished by now.
process.exit();
