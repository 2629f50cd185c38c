/**
 * The training settings a run takes when nobody says otherwise, in one place: the commands'
 * option defaults, the pipelines, the worker's runs, tune's first trial and the benches read
 * them here. It imports nothing, so any room of distill/ may read it.
 */
export const TRAINING_DEFAULTS = frozen({
  teacher: {
    /** Epochs at most; early stopping on validation (`patience`) usually ends a run sooner. */
    epochs: 20,
    /**
     * Windows (up to maxLen positions each) per step. Small batches matter: on ML-100K, 16
     * windows per step reached valid NDCG@10 0.073 after 3 epochs where 64 reached 0.043, at the
     * same cost per position (64 windows give only ~36 Adam steps per ML-100K epoch).
     */
    batchSize: 16,
    /** Adam's learning rate. */
    learningRate: 2e-3,
    /** Negatives a batch shares under the sampled softmax or gBCE. */
    negatives: 512,
    /**
     * Catalogues up to this many items train the teacher on the full softmax, cheap enough
     * there; larger ones on `negatives` sampled ones (see defaultTeacherLoss).
     */
    fullSoftmaxItems: 20_000
  },
  student: {
    /** Epochs at most, per student; early stopping on validation usually ends a run sooner. */
    epochs: 20,
    /** Training positions per step. */
    batchSize: 256,
    /** Adam's learning rate. */
    learningRate: 3e-3,
    /** The losses a student trains on when none are named: the task loss and the teacher's soft targets. */
    lossNames: ['task', 'kd'] as readonly string[],
    /** Weight of the soft-target (kd) loss. */
    kdWeight: 1,
    /** Temperature of the teacher's soft targets. */
    temperature: 1,
    /** Where the student's softmax is taken for kd (see DistillLosses). */
    kdNormalise: 'support' as 'full' | 'support',
    /** Weight of the ranking-distillation loss. */
    rankingWeight: 1,
    /** The teacher's top-k treated as positives by the ranking loss. */
    rankingK: 10,
    /** How kd and ranking weigh the training positions: uniform | confidence | target (see position-weights.ts). */
    weighting: 'uniform' as 'uniform' | 'confidence' | 'target',
    /** Weight of the embedding hint loss. */
    hintWeight: 1,
    /**
     * Dropout of the attention student's block while training (the other families have none). On
     * ML-100K (seed 42, 20 positions a user) 0.2 against 0: validation NDCG@10 0.0941 against 0.0875
     * undistilled, 0.1064 against 0.1062 from the ensemble (README, "The distillation study").
     */
    dropout: 0.2,
    /**
     * Catalogues up to this many items train the student's task loss on the full softmax with
     * dense item tables; larger ones on `negatives` sampled ones (log-Q corrected) with sparse
     * item tables and lazy Adam, so a step's cost does not grow with the catalogue.
     */
    fullSoftmaxItems: 20_000,
    /** Negatives a batch shares above `fullSoftmaxItems`. */
    negatives: 512
  },
  targets: {
    /** Teacher items kept per training position: the support of the student's soft targets. */
    topN: 32,
    /** Input length of a TF.js Layers teacher (items left-padded to it). */
    maxLen: 50,
    /**
     * A saved teacher of more items than this gives its targets from candidates (an HNSW index
     * over its item table, see candidate-targets.ts) instead of scoring every item at every
     * position: exact top-N costs about 590 ms a position at 1,000,000 items.
     */
    exactMaxItems: 50_000,
    /** Candidates fetched per position above exactMaxItems. */
    candidates: 256,
    /** Positions whose candidate targets are compared with the exact ones (the run logs the recall). */
    recallSample: 100
  },
  /** Epochs without a better validation NDCG@10 before a run stops. */
  patience: 3
})

type Frozen<T> = { readonly [K in keyof T]: Frozen<T[K]> }

function frozen<T extends object> (o: T): Frozen<T> {
  for (const value of Object.values(o)) if (typeof value === 'object' && value !== null) frozen(value)
  return Object.freeze(o) as Frozen<T>
}
