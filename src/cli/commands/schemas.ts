/** `kfm-gitops schemas import <crd.yaml|dir>… --out <dir>`: the logic lives in src/checks/schema/import.ts. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, type CliIO } from '../io.js';

export function register(program: Command, io: CliIO, setCode: (code: number) => void): void {
  const schemas = program.command('schemas').description('JSON schemas used by the schema check');
  schemas
    .command('import')
    .description(
      'convert CustomResourceDefinitions into a repo-local schema folder (<out>/<group>/<kind>_<version>.json) for `schema.extraDirs`',
    )
    .argument('<inputs...>', 'CRD manifests or folders holding them (searched recursively)')
    .requiredOption('-o, --out <dir>', 'schema folder to write into')
    .action(async (inputs: string[], flags: { out: string }) => {
      const { importCrds } = await import('../../checks/schema/import.js');
      const result = await importCrds({
        inputs: inputs.map((i) => resolve(io.cwd, i)),
        outDir: resolve(io.cwd, flags.out),
        displayBase: io.cwd,
      });
      for (const f of result.written) io.stdout(`wrote ${f}\n`);
      for (const e of result.errors) io.stderr(`kfm-gitops: ${e}\n`);
      if (result.written.length === 0) throw new CliError('no schema written', 1);
      io.stdout(
        `${result.written.length} schema(s) written; list \`${flags.out}\` under \`schema.extraDirs\` in kfm-gitops.yaml\n`,
      );
      setCode(result.errors.length > 0 ? 1 : 0);
    });
}
