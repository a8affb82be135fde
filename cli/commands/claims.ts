import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { latticeHome, writeFileAtomic } from '../../lib/home.js';
import { createModuleKey, parseModuleKey, type ModuleKey } from '../../lib/module-keys.js';
import { readClaims, signComponent, WascapError, type ClaimsReport } from '../../lib/wascap.js';
import { claimsSummary } from '../claims-summary.js';
import { CliError, globalOptions, UsageError } from '../context.js';
import { keyPairFromSeed, readSeedArg } from '../keys.js';
import { collect, emit, renderTable } from '../output.js';
import { readInputFile } from '../input-file.js';

interface SignFlags {
  issuer: string;
  subject?: string;
  name?: string;
  ver?: string;
  rev?: string;
  tag?: string[];
  expiresInDays?: string;
  notBeforeDays?: string;
  destination?: string;
}

const DAY = 86_400;

function days(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a non-negative number of days, got "${value}"`);
  return Math.floor(Date.now() / 1000 + n * DAY);
}

/** As wash does: a component keeps one module key, kept in the lattice home under its file name. */
async function moduleKeyFor(file: string, subject: string | undefined): Promise<ModuleKey> {
  if (subject !== undefined) {
    try {
      return parseModuleKey(existsSync(subject) ? await readFile(subject, 'utf8') : subject);
    } catch (cause) {
      throw new UsageError(
        `--subject: ${(cause as Error).message} (give a module key, M... or SM..., or a file holding one; \`lattice keys gen module\` makes one)`,
        { cause },
      );
    }
  }
  const path = join(latticeHome(), 'keys', `${basename(file, extname(file))}_module.nk`);
  if (existsSync(path)) return parseModuleKey(await readFile(path, 'utf8'));
  const key = createModuleKey();
  await writeFileAtomic(path, `${key.seed}\n`, 0o600);
  return key;
}

export function register(program: Command): void {
  const claims = program.command('claims').description("sign components and inspect their claims (wasmCloud's wascap format)");
  claims
    .command('sign')
    .argument('<file>', 'component (.wasm) to sign')
    .requiredOption('--issuer <seed-or-file>', 'account seed (SA...) of the issuer, or a file holding it')
    .option('--subject <key-or-file>', "the component's module key (M... or SM...); default: one kept in the lattice home for this file name")
    .option('--name <name>', 'component name')
    .option('--ver <version>', 'human-readable version')
    .option('--rev <n>', 'revision number')
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--expires-in-days <days>', 'the claims expire this many days from now')
    .option('--not-before-days <days>', 'the claims are valid only from this many days from now')
    .option('-d, --destination <file>', 'where to write the signed component (default: <file stem>_s.wasm beside it)')
    .description('embed signed claims in a component (a wasmcloud_jwt section bound to its hash)')
    .action(async (file: string, flags: SignFlags, command: Command) => {
      const issuer = keyPairFromSeed(readSeedArg(flags.issuer, 'SA', '--issuer'), '--issuer');
      const rev = flags.rev === undefined ? undefined : Number(flags.rev);
      if (rev !== undefined && !Number.isInteger(rev)) throw new UsageError(`--rev must be an integer, got "${flags.rev}"`);
      const expires = days('--expires-in-days', flags.expiresInDays);
      const notBefore = days('--not-before-days', flags.notBeforeDays);
      const bytes = new Uint8Array(await readInputFile(file, 'give the .wasm file'));
      const subject = await moduleKeyFor(file, flags.subject);
      let signed;
      try {
        signed = signComponent(bytes, {
          issuer,
          subject: subject.publicKey,
          name: flags.name ?? basename(file, extname(file)),
          ver: flags.ver,
          rev,
          tags: flags.tag,
          expires,
          notBefore,
        });
      } catch (cause) {
        throw new CliError(`cannot sign ${file}: ${(cause as Error).message} (give a component or core module .wasm)`, { cause });
      }
      const destination = flags.destination ?? join(dirname(file), `${basename(file, extname(file))}_s.wasm`);
      await writeFile(destination, signed.bytes);
      emit(
        globalOptions(command),
        { file: destination, issuer: signed.claims.iss, subject: signed.claims.sub, hash: signed.claims.wascap?.hash },
        () => `signed ${destination}\n  issuer  ${signed.claims.iss}\n  subject ${signed.claims.sub}`,
      );
    });

  claims
    .command('inspect')
    .argument('<file>', 'component (.wasm)')
    .description('show the claims embedded in a component and whether they hold for its bytes')
    .action(async (file: string, _flags: unknown, command: Command) => {
      let report: ClaimsReport | null;
      try {
        report = readClaims(new Uint8Array(await readInputFile(file, 'give the .wasm file')));
      } catch (cause) {
        if (cause instanceof CliError) throw cause;
        throw new CliError(`${file}: ${cause instanceof WascapError ? cause.message : String(cause)}`, { cause });
      }
      if (report === null) throw new CliError(`${file} carries no claims (not signed; sign it with lattice claims sign)`);
      const info = claimsSummary(report);
      emit(globalOptions(command), info, () =>
        renderTable(
          ['field', 'value'],
          Object.entries(info).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
        ),
      );
      if (!report.signatureValid) throw new CliError(`${file}: the claims signature does not verify against issuer ${report.claims.iss}`);
      if (report.hashValid === false)
        throw new CliError(`${file}: the bytes were changed after signing (module hash ${report.moduleHash}, signed ${info.signed_hash})`);
    });
}
