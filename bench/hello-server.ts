import Fastify from 'fastify'

// The baseline for bench/serve.ts: the cheapest route Fastify can serve, in its own process.
// POST parses the JSON body as /recommend's do, so both sides pay for the same bytes.
const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
app.post('/hello', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`)
process.once('SIGTERM', () => { app.close().catch(() => process.exit(1)) })
