import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { CurveLine } from './train-loop.js'

interface SummaryWriter {
  scalar: (name: string, value: number, step: number) => void
  flush: () => void
}

/**
 * With the tensorflow backend (tfjs-node, the Docker image), a run's curves are also written as
 * TensorBoard summaries in `<version dir>/tensorboard` (`tensorboard --logdir models`). Other
 * backends have no summary writer: nothing is written, and false is returned.
 */
export async function writeTensorBoard (versionDir: string, lines: readonly CurveLine[]): Promise<boolean> {
  if (tf.getBackend() !== 'tensorflow') return false
  // optionalDependency, loaded only where its backend is the one running
  const moduleName = '@tensorflow/tfjs-node'
  const node = (await import(moduleName) as { node: { summaryFileWriter: (dir: string) => SummaryWriter } }).node
  const writer = node.summaryFileWriter(join(versionDir, 'tensorboard'))
  for (const line of lines) {
    writer.scalar(`${line.stage}/loss`, line.loss, line.epoch)
    for (const [term, value] of Object.entries(line.terms ?? {})) writer.scalar(`${line.stage}/loss_${term}`, value, line.epoch)
    if (line.validNdcg !== undefined) writer.scalar(`${line.stage}/valid_ndcg10`, line.validNdcg, line.epoch)
    writer.scalar(`${line.stage}/learning_rate`, line.learningRate, line.epoch)
    if (line.teacherWeight !== undefined) writer.scalar(`${line.stage}/teacher_weight`, line.teacherWeight, line.epoch)
    writer.scalar(`${line.stage}/epoch_seconds`, line.seconds, line.epoch)
  }
  writer.flush()
  return true
}
