import { usesTeacher, type DistillLosses } from './distill-losses.js'
import type { TeacherTargets } from '../targets/teacher-targets.js'

/**
 * The losses a run's teacher targets can serve. The hint loss projects the student's item
 * embeddings onto the teacher's, so targets without item embeddings (an ensemble that gave the
 * attention teacher weight 0, a teacher that lacks some of the data's items) drop it for the run,
 * as a teacher weight of 0 drops every teacher term; the other losses go on (the task loss alone,
 * weight 1, when the hint was the only one). `note` says what was dropped and `why`, for the log.
 */
export function servedLosses (losses: DistillLosses, targets: TeacherTargets, why = 'the teacher targets carry no item embeddings'): { losses: DistillLosses, note?: string } {
  if (losses.hint === undefined || targets.itemEmbeddings !== undefined) return { losses }
  const { hint: _dropped, ...rest } = losses
  const alone = rest.task === undefined && !usesTeacher(rest)
  return {
    losses: alone ? { task: { weight: 1 } } : rest,
    note: `the hint loss is dropped for this run: ${why}, so there are no teacher item embeddings to project onto` +
      (alone ? '; the student trains on the task loss alone' : '')
  }
}
