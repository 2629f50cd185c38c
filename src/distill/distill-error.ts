export type DistillErrorCode = 'DISTILL_OPTIONS_INVALID' | 'TEACHER_TARGETS_INVALID' | 'TEACHER_OUTPUT_INVALID' | 'TEACHER_TARGETS_EMPTY' | 'RUN_CANCELLED'

/** A distillation run or its teacher targets were set up inconsistently, or the run was cancelled; `code` says which. */
export class DistillError extends RangeError {
  constructor (readonly code: DistillErrorCode, message: string) {
    super(message)
    this.name = 'DistillError'
  }
}
