/** commander argument parsers shared by the commands. */

/** Repeatable option: `--overlay a --overlay b` → ['a', 'b']. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `-c` help: where a run finds its config without one (discover/root.ts configSearchDirs): the current folder and each
 * folder above it up to its Git top (outside Git only the folder itself), then the same from the root argument.
 */
export const CONFIG_OPTION_HELP =
  'config file (default: the nearest kfm-gitops.yaml from the current folder upwards, else from the root argument upwards)';
