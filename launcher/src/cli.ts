import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, SearchTarget } from '@sokoul/contracts';
import { matchRelease } from '@sokoul/torrent-node/rank';
import { parseRelease } from '@sokoul/torrent-node/release';
import { backupCommand } from './backup.js';
import { buildAll } from './build.js';
import { loadConfig, type ResolvedConfig } from './config.js';
import { createLogger } from './log.js';
import { migrate } from './migrate.js';
import { ensureDatabase, type Role, type Stack, startStack } from './stack.js';
import { telegramWebhook, WEBHOOK_USAGE } from './telegram.js';
import { createUser } from './users.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `Usage: sokoul <command>

  start [--only app|torrent-node]   start Sokoul (embedded services for whatever is not configured)
  migrate                           apply pending database migrations
  user create --email E --password P [--name N] [--admin]
                                    create an account (or reset its password; --admin promotes it)
  build [--force]                   build the worker bundle, the web app and torrent-node
  backup create|list|restore FILE [--secrets]
                                    back up the database (and secrets.json), list the archives, or
                                    restore one (--secrets: its secrets.json too)
  parse-release TITLE...            print what each release title says, one JSON object per line
  match --target JSON TITLE...      accept or reject each title as the search target (type, titles,
                                    year, season, episode, runtimeMinutes), with the reason codes
  telegram webhook set|delete|info  point the bot at PUBLIC_URL/telegram/webhook, remove that, or show it

Configuration comes from the environment and .env; see .env.example.`;

async function withDatabase<T>(config: ResolvedConfig, run: (url: string) => Promise<T>): Promise<T> {
  const log = createLogger(config.LOG_LEVEL, 'launcher');
  const db = await ensureDatabase(config, log);
  try {
    return await run(db.url);
  } finally {
    await db.service?.stop(false);
  }
}

/**
 * A signal sent to a process group reaches every process in it, and the parents (npm, the
 * bootstrap) pass theirs on too: copies of one signal that arrive within this window are one signal.
 */
export const SIGNAL_WINDOW_MS = 1000;

/**
 * Calls `onFirst` for the first signal and `onForce` for a later one; the same signal again within
 * `windowMs` of the first (other processes of the group forwarding it) is ignored.
 */
export function signalCounter(
  onFirst: (signal: NodeJS.Signals) => void,
  onForce: (signal: NodeJS.Signals) => void,
  onCopy: (signal: NodeJS.Signals) => void = () => {},
  windowMs = SIGNAL_WINDOW_MS,
): (signal: NodeJS.Signals) => void {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  return (signal) => {
    if (!first) {
      first = { signal, at: Date.now() };
      onFirst(signal);
    } else if (signal === first.signal && Date.now() - first.at < windowMs) {
      onCopy(signal);
    } else {
      onForce(signal);
    }
  };
}

async function start(config: ResolvedConfig, only: Role | undefined): Promise<void> {
  const log = createLogger(config.LOG_LEVEL, 'launcher');
  const begun = Date.now();
  let stack: Stack | undefined;
  let shuttingDown = false;
  let exitCode = 0;
  const shutdown = async (force: boolean) => {
    await stack?.stop(force);
    log.info('Sokoul stopped', { durationMs: Date.now() - begun });
    process.exit(force ? 1 : exitCode);
  };
  // Installed before anything starts: a signal during start-up must still stop what was started.
  const onSignal = signalCounter(
    (signal) => {
      shuttingDown = true;
      log.info('shutting down (send the signal again to force)', { signal });
      if (stack) void shutdown(false);
    },
    (signal) => {
      log.warn('second signal: forcing shutdown', { signal });
      void shutdown(true);
    },
    (signal) =>
      log.debug('the same signal again, from another process of the group: still one signal', { signal }),
  );
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  stack = await startStack(config, log, {
    only,
    onGiveUp: (name, reason) => {
      if (shuttingDown) return;
      shuttingDown = true;
      exitCode = 1;
      process.stderr.write(`sokoul: ${name} ${reason}. Stopping Sokoul.\n`);
      if (stack) void shutdown(false);
    },
  });
  if (shuttingDown) return shutdown(false);
  log.info('Sokoul is ready', { url: stack.url, startupMs: Date.now() - begun });
  if (only !== 'torrent-node') process.stdout.write(`\nSokoul is running at ${stack.url}\n\n`);
}

/** `sokoul match`: the ranker's title matcher on its own, without the stack or TMDB. */
function match(args: string[]): void {
  const refused = matchLines(args);
  if (refused === null) return;
  process.stderr.write(`sokoul: match ${refused}\n`);
  process.exitCode = 2;
}

/** Prints one JSON line per title; or, before printing anything, why the arguments are refused. */
function matchLines(args: string[]): string | null {
  let values: { target?: string | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: { target: { type: 'string' } },
      allowPositionals: true,
    }));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (values.target === undefined) return "needs --target '<json>'";
  if (positionals.length === 0) return 'needs at least one title';
  let json: unknown;
  try {
    json = JSON.parse(values.target);
  } catch {
    return '--target is not JSON';
  }
  const target = SearchTarget.safeParse(json);
  if (!target.success) {
    const issue = target.error.issues[0];
    return `--target: ${issue ? `${issue.path.join('.') || 'target'}: ${issue.message}` : 'invalid'}`;
  }
  for (const title of positionals) {
    const { parsed, accepted, reasons } = matchRelease(title, target.data);
    const line = {
      title,
      accepted,
      reasons: reasons.map(({ effect, code, params }) => ({ effect, code, params })),
      parsed: {
        title: parsed.title,
        year: parsed.year,
        seasons: parsed.seasons,
        episodes: parsed.episodes,
        absoluteEpisodes: parsed.absoluteEpisodes,
        airDate: parsed.airDate,
      },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  return null;
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // Needs no configuration: a tool for checking how Sokoul reads a title.
  if (command === 'parse-release') {
    if (rest.length === 0) {
      process.stderr.write('sokoul: parse-release needs at least one title\n');
      process.exitCode = 2;
      return;
    }
    for (const title of rest) process.stdout.write(`${JSON.stringify(parseRelease(title))}\n`);
    return;
  }
  if (command === 'match') {
    match(rest);
    return;
  }
  try {
    const config = loadConfig(ROOT);
    switch (command) {
      case 'start': {
        const { values } = parseArgs({ args: rest, options: { only: { type: 'string' } } });
        if (values.only && values.only !== 'app' && values.only !== 'torrent-node') {
          throw new ConfigError('--only takes app or torrent-node');
        }
        await start(config, values.only as Role | undefined);
        return;
      }
      case 'migrate':
        await withDatabase(config, (url) => migrate(ROOT, url, createLogger(config.LOG_LEVEL, 'launcher')));
        return;
      case 'user': {
        const [sub, ...args] = rest;
        const { values } = parseArgs({
          args,
          options: {
            email: { type: 'string' },
            password: { type: 'string' },
            name: { type: 'string' },
            admin: { type: 'boolean', default: false },
          },
        });
        if (sub !== 'create' || !values.email || !values.password) throw new ConfigError(USAGE);
        const user = await withDatabase(config, async (url) => {
          await migrate(ROOT, url, createLogger('warn', 'launcher'));
          return createUser(url, {
            email: values.email ?? '',
            password: values.password ?? '',
            displayName: values.name,
            admin: values.admin ?? false,
          });
        });
        process.stdout.write(`${JSON.stringify(user)}\n`);
        return;
      }
      case 'build': {
        const { values } = parseArgs({ args: rest, options: { force: { type: 'boolean', default: false } } });
        await buildAll(ROOT, createLogger(config.LOG_LEVEL, 'launcher'), values.force);
        return;
      }
      case 'backup':
        await backupCommand(
          config,
          rest,
          (run) => withDatabase(config, run),
          (line) => process.stdout.write(`${line}\n`),
        );
        return;
      case 'telegram': {
        const [sub, action] = rest;
        if (sub !== 'webhook') throw new ConfigError(WEBHOOK_USAGE);
        await telegramWebhook(config, action, (line) => process.stdout.write(`${line}\n`));
        return;
      }
      default:
        process.stdout.write(`${USAGE}\n`);
        if (command && command !== 'help' && command !== '--help') process.exitCode = 2;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`sokoul: ${message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
