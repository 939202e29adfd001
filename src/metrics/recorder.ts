import { type RequestOutcome, toDataPoint } from './data-point';
import { PointBuffer } from './point-buffer';

/** What the recorder needs of the `METRICS` binding (Workers Analytics Engine). */
export type MetricsDataset = Pick<AnalyticsEngineDataset, 'writeDataPoint'>;

export type RecorderDeps = {
  now: () => number;
  /** Said when the binding throws (never the point's content); once per isolate. */
  onError?: (error: unknown) => void;
  bufferCapacity?: number;
};

/**
 * The isolate's metrics recorder (`services.metrics`, built by `createServices`). `record` is synchronous
 * and cheap: `writeDataPoint` queues the point in the runtime (it returns nothing to await), and the
 * development buffer is one array slot. Recording never fails a request: a binding that throws is reported once.
 */
export class MetricsRecorder {
  readonly buffer: PointBuffer;
  private readonly now: () => number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private failed = false;

  constructor(deps: RecorderDeps) {
    this.now = deps.now;
    this.onError = deps.onError;
    this.buffer = new PointBuffer(deps.bufferCapacity);
  }

  /** Writes `outcome` to `dataset` (absent: nothing), and to the isolate's buffer when `keepLocal` (development). */
  record(dataset: MetricsDataset | undefined, outcome: RequestOutcome, keepLocal: boolean): void {
    if (keepLocal) this.buffer.push({ ...outcome, t: this.now() });
    if (!dataset) return;
    try {
      dataset.writeDataPoint(toDataPoint(outcome));
    } catch (error) {
      if (!this.failed) {
        this.failed = true;
        this.onError?.(error);
      }
    }
  }
}
