import AjvCompiler, { type Options, type ValidatorFactory } from '@fastify/ajv-compiler'

// one pool, as Fastify keeps it: instances with the same options share one Ajv
const ajvPool = AjvCompiler()

/**
 * Fastify's Ajv, with no type coercion anywhere: bodies are JSON and carry JSON types, so
 * `"5"`, `true` or `"i3"` are not numbers, integers or arrays there. The string-only parts
 * (query string, params, headers) get one narrow conversion first: a well-formed numeral that is
 * finite becomes a number, `true`/`false` a boolean, for the properties whose schema wants one.
 * Ajv's own coercion is not used for them because it turns "Infinity" and "1e400" into Infinity
 * and then skips minimum/maximum for non-finite numbers.
 */
export const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const customOptions: Options = { ...options?.customOptions as Options | undefined, coerceTypes: false }
  const compile = ajvPool(externalSchemas, { plugins: options?.plugins, onCreate: options?.onCreate, customOptions })
  return (route) => {
    const validate = compile(route)
    if (route.httpPart === 'body') return validate
    const wanted = scalarTypes(route.schema)
    if (wanted.size === 0) return validate
    // done once per route at registration; the wrapper only converts, Ajv still decides
    const withConversion = Object.assign((data: unknown) => {
      if (data !== null && typeof data === 'object') convertStrings(data as Record<string, unknown>, wanted)
      const valid = validate(data)
      withConversion.errors = validate.errors
      return valid
    }, { errors: validate.errors, schema: validate.schema })
    return withConversion as unknown as typeof validate
  }
}

type Scalar = 'number' | 'boolean'

// a decimal numeral as JSON writes it: no hex, no leading zeros or '+', no spaces, no Infinity
const NUMERAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

function convertStrings (data: Record<string, unknown>, wanted: ReadonlyMap<string, ReadonlySet<Scalar>>): void {
  for (const [name, types] of wanted) {
    const value = data[name]
    if (typeof value !== 'string') continue
    if (types.has('boolean') && (value === 'true' || value === 'false')) {
      data[name] = value === 'true'
    } else if (types.has('number') && NUMERAL.test(value)) {
      const number = Number(value)
      if (Number.isFinite(number)) data[name] = number
    }
  }
}

interface SchemaNode { type?: string | string[], properties?: Record<string, SchemaNode>, anyOf?: SchemaNode[], oneOf?: SchemaNode[] }

/** The top-level properties that accept a number (integer or not) or a boolean. */
function scalarTypes (schema: unknown): Map<string, Set<Scalar>> {
  const wanted = new Map<string, Set<Scalar>>()
  for (const [name, property] of Object.entries((schema as SchemaNode).properties ?? {})) {
    const types = new Set<Scalar>()
    for (const type of typesOf(property)) {
      if (type === 'integer' || type === 'number') types.add('number')
      if (type === 'boolean') types.add('boolean')
    }
    if (types.size > 0) wanted.set(name, types)
  }
  return wanted
}

function typesOf (node: SchemaNode): string[] {
  const own = node.type === undefined ? [] : [node.type].flat()
  return [...own, ...[...node.anyOf ?? [], ...node.oneOf ?? []].flatMap(typesOf)]
}
