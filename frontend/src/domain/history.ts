/**
 * Undo/redo stack of edits. An entry is whatever the caller needs to revert
 * and replay one edit: a raster patch (region mode) or a before/after pair of
 * label states (point mode). Bounded by entry count and by an optional size
 * measure, dropping the oldest entries first.
 */
export class UndoStack<T> {
  private done: T[] = [];
  private undone: T[] = [];
  private bytes = 0;

  constructor(
    private readonly limit = 200,
    private readonly sizeOf: (entry: T) => number = () => 0,
    private readonly maxBytes = Infinity,
  ) {}

  /** Records a new edit; anything undone before it can no longer be redone. */
  push(entry: T): void {
    this.done.push(entry);
    this.bytes += this.sizeOf(entry);
    for (const e of this.undone) this.bytes -= this.sizeOf(e);
    this.undone = [];
    while (this.done.length > this.limit || (this.bytes > this.maxBytes && this.done.length > 1)) {
      const dropped = this.done.shift() as T;
      this.bytes -= this.sizeOf(dropped);
    }
  }

  /** The edit to revert, or null; it moves to the redo side. */
  undo(): T | null {
    const e = this.done.pop();
    if (e === undefined) return null;
    this.undone.push(e);
    return e;
  }

  /** The edit to replay, or null. */
  redo(): T | null {
    const e = this.undone.pop();
    if (e === undefined) return null;
    this.done.push(e);
    return e;
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  get size(): number {
    return this.done.length;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
    this.bytes = 0;
  }
}
