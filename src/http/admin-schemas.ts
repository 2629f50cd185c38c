import { Type } from '@sinclair/typebox'
import { JobSchema, JOB_STATES, RunOptionsSchema } from '../stores/job.js'
import { StudentVersionSchema } from '../versions/version-list.js'
import { OnlineFiguresSchema } from '../experiments/online-figures.js'
import { ErrorResponse } from './schemas.js'

/**
 * The admin API's request and response schemas. Jobs and versions are described where their
 * types live (stores/job.ts, versions/version-list.ts); these schemas place them in requests
 * and answers, so every admin answer is validated by its serialiser.
 */
export const RedistillBody = RunOptionsSchema
export const RedistillAccepted = Type.Object({ jobId: Type.String(), state: Type.Union(JOB_STATES.map((s) => Type.Literal(s))) })
export const Conflict = Type.Object({ ...ErrorResponse.properties, jobId: Type.Optional(Type.String()) })

export const JobParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }, { additionalProperties: false })
export const JobList = Type.Object({ jobs: Type.Array(JobSchema) })
export const JobResponse = JobSchema

export const VersionParams = Type.Object({ version: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) }, { additionalProperties: false })
export const ModelsResponse = Type.Object({
  serving: Type.Object({ version: Type.Integer(), kind: Type.Union([Type.Literal('student'), Type.Literal('popular')]) }),
  versions: Type.Array(StudentVersionSchema),
  /** Teacher versions, newest first, and whether retention keeps each. */
  teachers: Type.Array(Type.Object({ version: Type.Integer(), kept: Type.Boolean() })),
  retention: Type.Object({ keepVersions: Type.Integer({ description: 'KEEP_VERSIONS: ready students (besides the active one and the one this replica serves), rejected or failed ones, and teachers kept' }) }),
  /** Online figures of the versions serving or in an experiment, per arm, from every replica's impressions. */
  online: Type.Array(OnlineFiguresSchema)
})
export const ActivateResponse = Type.Object({ version: Type.Integer(), previous: Type.Integer() })

export const ReportPage = { description: 'A self-contained HTML page (inline CSS and SVG, no script)', content: { 'text/html': { schema: Type.String() } } }
export const adminErrors = { '4xx': ErrorResponse, '5xx': ErrorResponse }
