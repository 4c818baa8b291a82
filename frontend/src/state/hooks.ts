import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText, type ApiClient, type Round } from "../api";
import { IDLE_POLL_INTERVAL_MS, POLL_INTERVAL_MS, shouldPoll, upsertRound } from "../domain/rounds";
import type { Store } from "./store";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
  /** Replace the data locally (e.g. after a POST) without refetching. */
  setData: (update: (prev: T | null) => T | null) => void;
}

/** After a failed load, a polling loader tries again this much later. */
const RETRY_MS = 4000;

/**
 * Loads `load()` when `key` changes. With `pollEvery`, loads it again after
 * `pollEvery(data)` ms (null: stop), one request at a time; after a failure the
 * last data stays, `error` is set, and it tries again after RETRY_MS.
 */
export function useLoader<T>(
  load: () => Promise<T>,
  key: unknown,
  options: { pollEvery?: (data: T) => number | null } = {},
): Loaded<T> {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const optsRef = useRef(options);
  optsRef.current = options;

  useEffect(() => {
    setDataState(null);
  }, [key]);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      setLoading(true);
      const { pollEvery } = optsRef.current;
      let delay: number | null;
      try {
        const result = await loadRef.current();
        if (cancelled) return;
        setDataState(result);
        setError(null);
        delay = pollEvery ? pollEvery(result) : null;
      } catch (err) {
        if (cancelled) return;
        setError(errorText(err));
        delay = pollEvery ? RETRY_MS : null;
      } finally {
        if (!cancelled) setLoading(false);
      }
      if (delay !== null) timer = setTimeout(() => void run(), delay);
    };
    void run();
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((update: (prev: T | null) => T | null) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}

/**
 * A project's rounds, polled every POLL_INTERVAL_MS while a round is queued or
 * running, every IDLE_POLL_INTERVAL_MS otherwise (another admin may launch one;
 * annotators' submissions move `tasks_done`).
 */
export function useRounds(
  api: ApiClient,
  projectId: number,
): { rounds: Round[] | null; error: string | null; upsert: (r: Round) => void } {
  const { data, error, setData, reload } = useLoader(() => api.listRounds(projectId), projectId, {
    pollEvery: (list) => (shouldPoll(list) ? POLL_INTERVAL_MS : IDLE_POLL_INTERVAL_MS),
  });
  // A round just launched, cancelled or retried: show it, and poll again now (at the fast rate).
  const upsert = useCallback(
    (r: Round) => {
      setData((prev) => upsertRound(prev ?? [], r));
      reload();
    },
    [setData, reload],
  );
  return { rounds: data, error, upsert };
}

/** The store's state; the component renders again after every change. */
export function useStore<S, A>(store: Store<S, A>): S {
  const state = store.getState();
  const [, setTick] = useState(0);
  const rendered = useRef(state);
  rendered.current = state;
  useEffect(() => {
    const update = (): void => setTick((t) => t + 1);
    const unsubscribe = store.subscribe(update);
    if (store.getState() !== rendered.current) update(); // changed between render and subscribing
    return unsubscribe;
  }, [store]);
  return state;
}
