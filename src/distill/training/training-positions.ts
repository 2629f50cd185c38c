/**
 * The positions a student trains on: example p has history `train[users[p]].subarray(0, ends[p])`
 * and target `train[users[p]][ends[p]]`. Teacher targets are stored in the same order.
 */
export interface TrainingPositions {
  users: Int32Array
  ends: Int32Array
}

/**
 * Every position with a non-empty history (ends 1..n-1 of each train sequence), or only each
 * user's last `lastPerUser`. Users in order, positions oldest first.
 */
export function trainingPositions (train: readonly Int32Array[], lastPerUser = Infinity): TrainingPositions {
  let total = 0
  for (const s of train) total += Math.max(0, Math.min(s.length - 1, lastPerUser))
  const users = new Int32Array(total)
  const ends = new Int32Array(total)
  let p = 0
  train.forEach((s, user) => {
    for (let end = Math.max(1, s.length - lastPerUser); end < s.length; end++) {
      users[p] = user
      ends[p++] = end
    }
  })
  return { users, ends }
}
