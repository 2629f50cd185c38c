export type DistillErrorCode = 'DISTILL_OPTIONS_INVALID' | 'TEACHER_TARGETS_INVALID' | 'TEACHER_OUTPUT_INVALID' | 'TEACHER_TARGETS_EMPTY' | 'STUDENT_NONE_ELIGIBLE'

/** A distillation run or its teacher targets were set up inconsistently; `code` says which. */
export class DistillError extends RangeError {
  constructor (readonly code: DistillErrorCode, message: string) {
    super(message)
    this.name = 'DistillError'
  }
}
