/**
 * A run that stopped because it was asked to (a cancel request, the worker stopping): the one
 * error for it, thrown by the training loop between steps and by the worker. Across a thread
 * boundary only its `code` survives, and the receiving side rebuilds it from that.
 */
export class RunCancelledError extends Error {
  static readonly CODE = 'RUN_CANCELLED'
  readonly code = RunCancelledError.CODE

  constructor (message: string) {
    super(message)
    this.name = 'RunCancelledError'
  }
}
