/** One target process lifetime: a config measured once, in a block. */
export interface PlannedRun {
  index: number;
  block: number;
  /** Position inside the block (0 = first). */
  position: number;
  config: string;
}

/**
 * Interleaved blocks: each block runs every config once, and the order is
 * rotated per block so no config always runs first (or always next to the
 * same neighbour). Each config is then paired with the baseline of its block.
 */
export function planBlocks(configs: readonly string[], rounds: number, firstBlock = 0): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (let block = firstBlock; block < firstBlock + rounds; block += 1) {
    const shift = block % configs.length;
    const order = [...configs.slice(shift), ...configs.slice(0, shift)];
    order.forEach((config, position) => {
      runs.push({ index: runs.length, block, position, config });
    });
  }
  return runs;
}
