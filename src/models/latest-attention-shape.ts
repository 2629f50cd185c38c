/** The attention student family's block shape and weight names, without TF.js (a loading thread checks versions against them). */
export interface LatestAttentionShape {
  dim: number
  window: number
  heads: number
  ffnDim: number
}

/** Every weight of the attention family's block, by the name `Student.weights()` gives it. */
export const ATTENTION_WEIGHT_NAMES = [
  'positions', 'ln1Gamma', 'ln1Beta', 'queryKernel', 'queryBias', 'keyKernel', 'keyBias', 'valueKernel', 'valueBias',
  'outKernel', 'outBias', 'ln2Gamma', 'ln2Beta', 'ffn1Kernel', 'ffn1Bias', 'ffn2Kernel', 'ffn2Bias', 'finalGamma', 'finalBeta'
] as const
export type AttentionWeightName = typeof ATTENTION_WEIGHT_NAMES[number]

/** Each block weight's shape (kernels are [in, out], as `dense` reads them). */
export function attentionWeightShapes ({ dim, window, ffnDim }: LatestAttentionShape): Record<AttentionWeightName, number[]> {
  return {
    positions: [window, dim],
    ln1Gamma: [dim],
    ln1Beta: [dim],
    queryKernel: [dim, dim],
    queryBias: [dim],
    keyKernel: [dim, dim],
    keyBias: [dim],
    valueKernel: [dim, dim],
    valueBias: [dim],
    outKernel: [dim, dim],
    outBias: [dim],
    ln2Gamma: [dim],
    ln2Beta: [dim],
    ffn1Kernel: [dim, ffnDim],
    ffn1Bias: [ffnDim],
    ffn2Kernel: [ffnDim, dim],
    ffn2Bias: [dim],
    finalGamma: [dim],
    finalBeta: [dim]
  }
}
