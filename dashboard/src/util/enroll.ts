/** The provisioning command and QR link an enrollment code is handed out with. */

export interface ProvisionArgs {
  origin: string;
  code: string;
  room: string;
  satelliteId?: string | undefined;
  /** The Pi's SSH host, e.g. `raspberrypi.local`. */
  host: string;
}

/** Quotes an argument for a POSIX shell when it needs it (rooms may hold spaces and `'`). */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9._:/@%+=,-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command that provisions a Pi over SSH with this code. */
export function provisionCommand(args: ProvisionArgs): string {
  const parts = ['npx', 'jarvis-provision', 'enroll', '--hub', args.origin, '--code', args.code];
  parts.push('--room', args.room);
  if (args.satelliteId) parts.push('--id', args.satelliteId);
  parts.push('--ssh', `pi@${args.host}`);
  return parts.map(shellQuote).join(' ');
}

/**
 * The link in the QR code. An origin is a valid query value as it is (`:` and `/` are allowed
 * in a query, RFC 3986 §3.4), and a code is letters, digits and dashes.
 */
export function enrollUrl(origin: string, code: string): string {
  return `jarvis://enroll?hub=${origin}&code=${encodeURIComponent(code)}`;
}
