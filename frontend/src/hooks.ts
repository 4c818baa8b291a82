import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText, type ApiClient, type Round } from "./api";
import { LiveFeed, type FeedMode } from "./liveFeed";
import { upsertRound } from "./rounds";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
  /** Replace the data locally (e.g. after a POST) without refetching. */
  setData: (update: (prev: T | null) => T | null) => void;
}

/**
 * Loads `load()` when `key` changes; while `pollWhile(data)` holds, loads it
 * again every `intervalMs` (one request at a time, never overlapping).
 */
export function useLoader<T>(
  load: () => Promise<T>,
  key: unknown,
  options: { intervalMs?: number; pollWhile?: (data: T) => boolean } = {},
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
      try {
        const result = await loadRef.current();
        if (cancelled) return;
        setDataState(result);
        setError(null);
        const { pollWhile, intervalMs = 2000 } = optsRef.current;
        if (pollWhile?.(result)) timer = setTimeout(() => void run(), intervalMs);
      } catch (err) {
        if (cancelled) return;
        setError(errorText(err));
        // keep polling through transient errors if we were polling
        const { pollWhile, intervalMs = 2000 } = optsRef.current;
        if (pollWhile) timer = setTimeout(() => void run(), intervalMs * 2);
      } finally {
        if (!cancelled) setLoading(false);
      }
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
 * A project's rounds, live: server-sent events (fetch + stream, so the
 * Authorization header goes along), reconnecting, with polling as fallback.
 */
export function useLiveRounds(
  api: ApiClient,
  projectId: number,
): { rounds: Round[] | null; mode: FeedMode; error: string | null; upsert: (r: Round) => void; refresh: () => void } {
  const [rounds, setRounds] = useState<Round[] | null>(null);
  const [mode, setMode] = useState<FeedMode>("connecting");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setRounds(null);
    const feed = new LiveFeed<Round[]>({
      eventName: "rounds",
      open: (signal) => api.roundEvents(projectId, signal),
      poll: async () => {
        try {
          const list = await api.listRounds(projectId);
          setError(null);
          return list;
        } catch (err) {
          setError(errorText(err));
          throw err;
        }
      },
      onData: (list) => {
        setRounds(list);
        setError(null);
      },
      onMode: setMode,
      pollIntervalMs: 2000,
    });
    feed.start();
    return () => feed.stop();
  }, [api, projectId]);

  const upsert = useCallback((r: Round) => setRounds((prev) => upsertRound(prev ?? [], r)), []);
  const refresh = useCallback(() => {
    void api.listRounds(projectId).then(setRounds, (err: unknown) => setError(errorText(err)));
  }, [api, projectId]);
  return { rounds, mode, error, upsert, refresh };
}
