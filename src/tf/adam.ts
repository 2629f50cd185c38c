import * as tf from '@tensorflow/tfjs'

/** Adam whose learning rate can change between steps (TF.js keeps the field protected). */
export class AdjustableAdam extends tf.AdamOptimizer {
  constructor (learningRate: number, beta1 = 0.9, beta2 = 0.999) {
    super(learningRate, beta1, beta2)
  }

  setLearningRate (learningRate: number): void {
    this.learningRate = learningRate
  }
}
