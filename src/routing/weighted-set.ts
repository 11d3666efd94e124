/**
 * Items with weights, picked at random in proportion to weight by a binary search over
 * precomputed cumulative sums. Fractional weights are exact (no rounding to integers);
 * weight 0 items are kept out entirely, so a drained item is never picked.
 */
export class WeightedSet<T> {
  readonly items: readonly T[];
  readonly total: number;
  private readonly cumulative: Float64Array;

  constructor(entries: readonly T[], weightOf: (item: T) => number) {
    const items: T[] = [];
    const sums: number[] = [];
    let total = 0;
    for (const item of entries) {
      const weight = weightOf(item);
      if (!(weight > 0)) continue;
      total += weight;
      items.push(item);
      sums.push(total);
    }
    this.items = items;
    this.total = total;
    this.cumulative = Float64Array.from(sums);
  }

  get size(): number {
    return this.items.length;
  }

  /** `random` in [0, 1); returns undefined only when the set is empty. */
  pick(random: number = Math.random()): T | undefined {
    const count = this.items.length;
    if (count <= 1) return this.items[0];
    const point = random * this.total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.cumulative[middle] ?? 0) > point) high = middle;
      else low = middle + 1;
    }
    return this.items[low];
  }
}
