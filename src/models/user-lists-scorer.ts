import type { Scorer } from './scorer.js'
import type { TeacherScoreList } from './teacher-scores-file.js'

/** Score of an item missing from a user's list: below any listed item, tied with the rest. */
const UNLISTED = -1e9

/**
 * A teacher known only by its per-user top-N lists (a teacher-scores file) as a scorer, so it is
 * evaluated like any model: each user's row holds the listed items' scores and UNLISTED elsewhere
 * (a target outside the list ties with every other unlisted item, and ties count against it).
 * The list ignores the history it is given: it was scored on the user's whole history.
 */
export class UserListsScorer implements Scorer {
  constructor (readonly name: string, readonly numItems: number, readonly lists: ReadonlyArray<TeacherScoreList | undefined>) {}

  scoreBatch (histories: readonly Int32Array[], users?: readonly number[]): Float32Array[] {
    if (users === undefined || users.length !== histories.length) throw new RangeError(`${this.name} scores users by their lists: pass each history's user`)
    return users.map((user) => {
      const row = new Float32Array(this.numItems).fill(UNLISTED)
      const list = this.lists[user]
      if (list !== undefined) list.items.forEach((item, n) => { row[item] = list.scores[n] })
      return row
    })
  }
}
