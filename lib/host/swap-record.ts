import type { SwapStage } from './candidate-checks.js';

/** One entry of a host's swap history. */
export interface SwapRecord {
  at: Date;
  source: string;
  result: 'swapped' | 'rejected' | 'rolledBack' | 'promoted';
  stage?: SwapStage | 'closed';
  reason?: string;
  version?: number;
  /** Milliseconds per stage. */
  stages: Partial<Record<SwapStage, number>>;
  totalMs: number;
}
