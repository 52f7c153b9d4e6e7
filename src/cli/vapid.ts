/**
 * `notifyd vapid generate`: a new VAPID key pair (P-256, base64url) for the `webpush`
 * provider's `vapid_public_key` / `vapid_private_key`, made by web-push itself.
 */
import type { Command } from 'commander';
import type { CliIO } from './io.js';

export function registerVapidCommands(program: Command, io: CliIO): void {
  const vapid = program.command('vapid').description('VAPID keys for the webpush provider');
  vapid
    .command('generate')
    .description('Print a new VAPID key pair (keep the private key secret)')
    .option('--json', 'print {"public_key", "private_key"} as JSON')
    .action(async (opts: { json?: boolean }) => {
      const webpush = (await import('web-push')).default;
      const { publicKey, privateKey } = webpush.generateVAPIDKeys();
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ public_key: publicKey, private_key: privateKey })}\n`);
        return;
      }
      io.stdout.write(
        `vapid_public_key: ${publicKey}\nvapid_private_key: ${privateKey}\n` +
          '# the webpush provider options; serve the public key to browsers, keep the private one secret\n',
      );
    });
}
