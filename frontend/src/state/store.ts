/**
 * A minimal external store: the state changes only through `dispatch` and a
 * pure reducer, is readable at any time (event handlers and async flows read
 * the latest state, not a render's copy), and tells subscribers after a change.
 */

export type Reducer<S, A> = (state: S, action: A) => S;

export class Store<S, A> {
  private state: S;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly reducer: Reducer<S, A>,
    initial: S,
  ) {
    this.state = initial;
  }

  getState(): S {
    return this.state;
  }

  /** Applies `action`; listeners hear of it only when the reducer returned a new state. */
  dispatch(action: A): void {
    const next = this.reducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
