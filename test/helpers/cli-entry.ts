// Runs the CLI from source (tests spawn it with `node --import tsx`), so no build is needed.
import { runCli } from '../../src/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
