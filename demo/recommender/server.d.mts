// Types for server.mjs, for the TypeScript tests and benchmarks that start it in-process.
export type RecommenderMode = 'ok' | 'fail' | 'hang' | 'slow' | '429' | 'flap';

export interface RecommenderSwitches {
  mode?: RecommenderMode;
  delayMs?: number;
  retryAfter?: number;
}

export interface RecommenderState {
  mode: RecommenderMode;
  delayMs: number;
  retryAfter: number;
  /** Feed requests received since start. */
  requests: number;
  flap: number;
  /** Answers by status ('hang' for requests never answered). */
  byStatus: Record<string, number>;
}

export interface Recommender {
  url: string;
  port: number;
  state: RecommenderState;
  setMode(switches: RecommenderSwitches): void;
  close(): Promise<void>;
}

export const TABS: string[];
export const MODES: RecommenderMode[];
export function feedFor(
  tab: string,
  user: string | null,
): { tab: string; user: string | null; personalized: boolean; items: { id: string; title: string; url: string }[] };
export function startRecommender(options?: { port?: number; host?: string } & RecommenderSwitches): Promise<Recommender>;
