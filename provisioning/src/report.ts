/**
 * Progress as each step ends: a line a person can follow, or with `--json` one object at the
 * end for scripts (steps, whether anything changed, and the error's reason and message).
 */
/** `done`: something was changed; `ok`: a check passed; `unchanged`: already as wanted. */
export type StepStatus = 'done' | 'ok' | 'unchanged' | 'failed' | 'note';

export interface StepReport {
  readonly step: string;
  readonly status: StepStatus;
  readonly detail: string;
}

const MARK: Readonly<Record<StepStatus, string>> = {
  done: '✓',
  ok: '✓',
  unchanged: '=',
  failed: '✗',
  note: '!',
};

export class Reporter {
  readonly steps: StepReport[] = [];

  constructor(
    private readonly json: boolean,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  step(step: string, status: StepStatus, detail: string): void {
    this.steps.push({ step, status, detail });
    if (!this.json) this.write(`${MARK[status]} ${step}: ${detail}`);
  }

  /** Anything changed in this run (a re-run that changes nothing says so). */
  get changed(): boolean {
    return this.steps.some((s) => s.status === 'done');
  }

  /** The closing line, or the JSON document. */
  finish(
    result:
      | { ok: true; summary: string; data?: unknown }
      | { ok: false; reason: string; message: string },
  ): void {
    if (this.json) {
      this.write(
        JSON.stringify(
          result.ok
            ? {
                ok: true,
                changed: this.changed,
                steps: this.steps,
                ...(result.data ? { result: result.data } : {}),
              }
            : {
                ok: false,
                error: { reason: result.reason, message: result.message },
                steps: this.steps,
              },
        ),
      );
      return;
    }
    if (result.ok) this.write(result.summary);
    else this.write(`jarvis-provision: ${result.message}`);
  }
}
