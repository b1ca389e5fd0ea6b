// The load generator of `make bench-api`: autocannon against the GraphQL API, one run.
//
//   node benchmarks/load/run.mjs < config.json > summary.json
//
// benchmarks/api_load.py writes the config to stdin (API keys included, so they never touch a
// file or the command line) and reads the JSON summary from stdout; progress goes to stderr as
// one JSON line a second. Config fields:
//
//   url, readKey, writeKey        the /graphql endpoint and the X-API-Key of each scope
//   duration, connections, rate   seconds; concurrent connections; requests/s in all (null:
//                                 closed loop, each connection sends when its answer is in)
//   users, items                  shop user ids (with embeddings) and item ids to pick from
//   readQuery, first              the read query (variables `id`, `first`)
//   writeMutation, writeShare     the recordEvents mutation (variable `events`) and the share of
//                                 requests that are writes (0: reads only)
//   resendShare                   the share of writes that re-send an answered write unchanged
//   writeUsers, maxEvents         shop user ids the events go to; 1..maxEvents events a write
//   eventTypes                    [[TYPE, weight], ...]
//   eventIdPrefix, seed           unique per run; the random stream's seed
//   timeout                       seconds before a request counts as a timed-out connection
//
// Closed loop: autocannon. Paced (`rate` set): requests leave on a schedule of their own, one
// every 1/rate s whether or not earlier answers are in, over a keep-alive pool of `connections`
// sockets, and each latency is counted from the request's scheduled time, so time a request
// waited for a free socket counts too (no coordinated omission). autocannon's own rate limit
// is not used: it sends each connection's quota for the second back to back and then idles, a
// closed loop in bursts.
//
// A request counts as an error when the connection fails or times out, when the HTTP status is
// not 2xx, and when a 200 carries GraphQL `errors` or no data: autocannon sees only the status,
// so every response body is parsed here.

import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

import autocannon from 'autocannon'

const ERROR_SAMPLES = 5

function mulberry32 (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function percentile (sorted, q) {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

function latencySummary (values) {
  const sorted = Float64Array.from(values).sort()
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null
  return {
    count: sorted.length,
    mean,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : null
  }
}

async function readStdin () {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

const config = await readStdin()
const random = mulberry32(config.seed ?? 1)
const pick = (list) => list[Math.floor(random() * list.length)]
const typeWeights = config.eventTypes ?? [['VIEW', 1]]
const totalWeight = typeWeights.reduce((sum, [, w]) => sum + w, 0)

function pickType () {
  let r = random() * totalWeight
  for (const [type, weight] of typeWeights) {
    r -= weight
    if (r < 0) return type
  }
  return typeWeights[typeWeights.length - 1][0]
}

const readHeaders = { 'content-type': 'application/json', 'x-api-key': config.readKey }
const writeHeaders = { 'content-type': 'application/json', 'x-api-key': config.writeKey }
const writes = [] // every first send: {events, answered, payload}
const answeredWrites = [] // indexes into `writes` whose answer came back without errors
let eventCounter = 0
let lastKind = null

const stats = {
  read: { responses: 0, graphqlErrors: 0, httpErrors: 0, shortLists: 0, latency: [] },
  write: { responses: 0, graphqlErrors: 0, httpErrors: 0, latency: [] },
  resend: { responses: 0, graphqlErrors: 0, httpErrors: 0, latency: [] },
  resends: 0,
  recorded: 0,
  duplicates: 0,
  resendRecorded: 0,
  payloadMismatches: 0,
  errorSamples: []
}

function newEvent () {
  const type = pickType()
  const event = {
    id: `${config.eventIdPrefix}${eventCounter++}`,
    userId: pick(config.writeUsers),
    itemId: pick(config.items),
    type,
    at: new Date().toISOString()
  }
  if (type === 'RATE') event.value = 1 + Math.floor(random() * 5)
  else if (type === 'ADD_TO_CART' || type === 'PURCHASE') event.value = 1 + Math.floor(random() * 3)
  return event
}

function setupRequest (req, context) {
  const write = config.writeShare > 0 && random() < config.writeShare
  if (!write) {
    context.current = { kind: 'read' }
    return {
      ...req,
      method: 'POST',
      headers: readHeaders,
      body: JSON.stringify({
        query: config.readQuery,
        variables: { id: pick(config.users), first: config.first }
      })
    }
  }
  let index
  let kind = 'write'
  if (answeredWrites.length > 0 && random() < config.resendShare) {
    index = pick(answeredWrites)
    kind = 'resend'
    stats.resends++
  } else {
    const count = 1 + Math.floor(random() * config.maxEvents)
    const events = Array.from({ length: count }, newEvent)
    index = writes.push({ events, answered: false, body: null }) - 1
    writes[index].body = JSON.stringify({ query: config.writeMutation, variables: { events } })
  }
  context.current = { kind, index }
  return { ...req, method: 'POST', headers: writeHeaders, body: writes[index].body }
}

function sampleError (kind, status, body) {
  if (stats.errorSamples.length < ERROR_SAMPLES) {
    stats.errorSamples.push({ kind, status, body: String(body).slice(0, 300) })
  }
}

function onResponse (status, body, context) {
  const { kind, index } = context.current
  lastKind = kind
  const stat = stats[kind]
  stat.responses++
  if (status < 200 || status >= 300) {
    stat.httpErrors++
    sampleError(kind, status, body)
    return
  }
  let parsed
  try {
    parsed = JSON.parse(body)
  } catch {
    parsed = null
  }
  if (!parsed || parsed.errors || !parsed.data) {
    stat.graphqlErrors++
    sampleError(kind, status, body)
    return
  }
  if (kind === 'read') {
    const list = parsed.data.user?.recommendations
    if (!Array.isArray(list) || list.length < config.first) stats.read.shortLists++
    return
  }
  const payload = parsed.data.recordEvents
  const sent = writes[index].events.length
  if (!payload) {
    stat.graphqlErrors++
    sampleError(kind, status, body)
    return
  }
  if (kind === 'write') {
    writes[index].answered = true
    answeredWrites.push(index)
    stats.recorded += payload.recorded
    stats.duplicates += payload.duplicates
    if (payload.received !== sent || payload.recorded !== sent) stats.payloadMismatches++
  } else {
    stats.resendRecorded += payload.recorded
    if (payload.received !== sent || payload.duplicates !== sent) stats.payloadMismatches++
  }
}

function progress (seconds, completed) {
  const errors = ['read', 'write', 'resend']
    .reduce((sum, k) => sum + stats[k].graphqlErrors + stats[k].httpErrors, 0)
  process.stderr.write(JSON.stringify({ seconds, completed, errors }) + '\n')
}

function sentEvents () {
  const events = []
  for (const write of writes) {
    for (const event of write.events) events.push({ ...event, answered: write.answered })
  }
  return events
}

function summarise (run) {
  return {
    ...run,
    kinds: Object.fromEntries(['read', 'write', 'resend'].map((kind) => [kind, {
      responses: stats[kind].responses,
      graphqlErrors: stats[kind].graphqlErrors,
      httpErrors: stats[kind].httpErrors,
      latency: latencySummary(stats[kind].latency)
    }])),
    shortLists: stats.read.shortLists,
    writes: writes.length,
    answeredWrites: answeredWrites.length,
    resends: stats.resends,
    recorded: stats.recorded,
    duplicates: stats.duplicates,
    resendRecorded: stats.resendRecorded,
    payloadMismatches: stats.payloadMismatches,
    errorSamples: stats.errorSamples,
    events: sentEvents()
  }
}

function closedLoop () {
  const instance = autocannon({
    url: config.url,
    connections: config.connections,
    duration: config.duration,
    timeout: config.timeout ?? 30,
    requests: [{ setupRequest, onResponse }]
  })

  instance.on('response', (client, statusCode, bytes, responseTime) => {
    if (lastKind) stats[lastKind].latency.push(responseTime)
    lastKind = null
  })

  let seconds = 0
  let completed = 0
  instance.on('tick', ({ counter }) => {
    completed += counter
    progress(++seconds, completed)
  })

  instance.on('done', (result) => {
    const summary = summarise({
      duration: result.duration,
      connections: result.connections,
      requests: result.requests.total,
      sent: result.requests.sent,
      rps: result.requests.total / result.duration,
      latency: {
        mean: result.latency.mean,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max
      },
      connectionErrors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx
    })
    process.stdout.write(JSON.stringify(summary) + '\n')
  })

  instance.on('error', (error) => {
    process.stderr.write(`autocannon: ${error.message}\n`)
    process.exit(1)
  })
}

// One request of the paced run, sent now; resolves when it is closed, answered or not: a
// request closed without a complete answer (reset, timed out, cut off) is a connection error.
function sendPaced (agent, url, scheduled, counts, latencies) {
  const context = {}
  const request = setupRequest({}, context)
  return new Promise((resolve) => {
    let answered = false
    let failure = 'closed before its answer was complete'
    const req = http.request(url, {
      agent,
      method: 'POST',
      headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
      timeout: (config.timeout ?? 30) * 1000
    }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('error', (error) => { failure = error.message })
      res.on('end', () => {
        answered = true
        const latency = performance.now() - scheduled
        onResponse(res.statusCode, Buffer.concat(chunks).toString('utf8'), context)
        stats[context.current.kind].latency.push(latency)
        latencies.push(latency)
        counts.completed++
        if (res.statusCode < 200 || res.statusCode >= 300) counts.non2xx++
      })
    })
    req.on('timeout', () => {
      counts.timeouts++
      req.destroy(new Error('timed out'))
    })
    req.on('error', (error) => { failure = error.message })
    req.on('close', () => {
      if (!answered) {
        counts.connectionErrors++
        sampleError(context.current.kind, 0, failure)
      }
      resolve()
    })
    req.end(request.body)
  })
}

async function paced () {
  const url = new URL(config.url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.connections })
  const counts = { completed: 0, connectionErrors: 0, timeouts: 0, non2xx: 0 }
  const latencies = []
  const pending = []
  const total = Math.round(config.duration * config.rate)
  const interval = 1000 / config.rate
  const start = performance.now()
  let seconds = 0
  const ticker = setInterval(() => progress(++seconds, counts.completed), 1000)
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval
    const wait = scheduled - performance.now()
    if (wait > 0) await sleep(wait)
    pending.push(sendPaced(agent, url, scheduled, counts, latencies))
  }
  await Promise.all(pending)
  clearInterval(ticker)
  agent.destroy()
  const duration = (performance.now() - start) / 1000
  const overall = latencySummary(latencies)
  const summary = summarise({
    duration,
    connections: config.connections,
    requests: counts.completed,
    sent: total,
    rps: counts.completed / duration,
    latency: {
      mean: overall.mean,
      p50: overall.p50,
      p90: overall.p90,
      p99: overall.p99,
      max: overall.max
    },
    connectionErrors: counts.connectionErrors,
    timeouts: counts.timeouts,
    non2xx: counts.non2xx
  })
  process.stdout.write(JSON.stringify(summary) + '\n')
}

if (config.rate) await paced()
else closedLoop()
