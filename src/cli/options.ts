/** commander argument parsers shared by the commands. */

/** Repeatable option: `--overlay a --overlay b` → ['a', 'b']. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
