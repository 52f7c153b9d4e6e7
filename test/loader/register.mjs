// Registers the TypeScript hooks (hooks.mjs) for a test process: tap's node-arg --import.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
