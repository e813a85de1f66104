#!/usr/bin/env node
// Follow your help-desk workbench live, with the npm `graphql-ws` client over `ws`.
//
// It signs in with an API token (connectionParams), reads the workbench, then follows
// `workbenchEvents` and prints one JSON object per line on stdout: first the workbench
// (`"__typename": "Workbench"`), then one line per event. When the connection drops it
// reconnects and resumes with `since` = the last eventId it printed. Diagnostics: stderr.
//
//   HELPDESK_URL=http://127.0.0.1:8000 HELPDESK_TOKEN=hd_... node workbench-client.mjs
//   node workbench-client.mjs --url http://127.0.0.1:8000 --token hd_... --max-events 5

import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const TICKET_SUMMARY = `fragment TicketSummary on Ticket {
  id key subject status priority assignee { id } sla { state }
}`;

const WORKBENCH = `query Workbench {
  workbench {
    __typename
    pending { ...TicketSummary }
    inProgress { ...TicketSummary }
    waiting { ...TicketSummary }
    nearBreach { ...TicketSummary }
    unassignedInMyGroups { ...TicketSummary }
  }
}
${TICKET_SUMMARY}`;

const WORKBENCH_EVENTS = `subscription WorkbenchEvents($since: ID) {
  workbenchEvents(since: $since) {
    __typename
    ... on TicketActivityItem { eventId at ticket { ...TicketSummary } }
    ... on TicketAssigned { previousAssigneeId }
    ... on TicketUpdated { event { id kind before after note } }
    ... on SlaNearBreach { target percent }
    ... on SlaBreached { target }
  }
}
${TICKET_SUMMARY}`;

// Errors that no retry can fix: the token or the request itself is wrong.
const FATAL_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT']);
// The server closes the socket with 4403 when connection_init carries no valid token.
const FORBIDDEN_CLOSE = 4403;
// The server does not ping on graphql-transport-ws, so a dead link (laptop asleep, proxy
// dropped the socket) would stay silent forever: ping it and reconnect when no pong comes.
const PING_EVERY_MS = 20_000;
const PONG_WITHIN_MS = 10_000;
const MAX_BACKOFF_MS = 10_000;

class Fatal extends Error {}

/** A GraphQL error on an operation, with how far the subscription had got. */
class OperationError extends Error {
  constructor(errors, afterEvents) {
    super(errors.map((e) => e.message).join('; '));
    this.code = errors.find((e) => e.extensions?.code)?.extensions.code;
    this.afterEvents = afterEvents;
  }
}

/** A lost connection: worth another try. */
class ConnectionLost extends Error {}

const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const log = (message) => process.stderr.write(`workbench-client: ${message}\n`);

/** Accept http(s)://host[:port][/graphql] or ws(s)://... and give the WebSocket endpoint. */
function websocketUrl(url) {
  const parsed = new URL(url);
  const scheme = { 'http:': 'ws:', 'https:': 'wss:' }[parsed.protocol] ?? parsed.protocol;
  if (scheme !== 'ws:' && scheme !== 'wss:') throw new Fatal(`unsupported URL scheme in ${url}`);
  parsed.protocol = scheme;
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/graphql';
  return parsed.toString();
}

function connect(url, token) {
  let pongDue;
  const client = createClient({
    url: websocketUrl(url),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    // No silent retries: the library would resubscribe with the *original* `since` and
    // replay events we already printed. The loop in run() resumes from the last one instead.
    retryAttempts: 0,
    connectionAckWaitTimeout: 10_000,
    keepAlive: PING_EVERY_MS,
    on: {
      // The library sends the pings but never acts on a missing pong: terminate() does,
      // and the subscription then fails with a close event that run() retries.
      ping: (received) => {
        if (!received) pongDue = setTimeout(() => client.terminate(), PONG_WITHIN_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongDue);
      },
      closed: () => clearTimeout(pongDue),
    },
  });
  return client;
}

/** Subscription results as a pull-based inbox: `next()` gives the next settled item. */
function subscribe(client, payload) {
  const items = [];
  let wake = null;
  const push = (item) => {
    if (wake) {
      const resolve = wake;
      wake = null;
      resolve(item);
    } else {
      items.push(item);
    }
  };
  const unsubscribe = client.subscribe(payload, {
    next: (result) => push({ result }),
    error: (error) => push({ error }),
    complete: () => push({ complete: true }),
  });
  const next = () =>
    items.length > 0 ? Promise.resolve(items.shift()) : new Promise((resolve) => (wake = resolve));
  return { next, unsubscribe };
}

/** Map whatever the library rejected with to our three outcomes. */
function failure(error, afterEvents) {
  if (Array.isArray(error)) return new OperationError(error, afterEvents); // an `error` message
  if (error?.code === FORBIDDEN_CLOSE) return new Fatal('the server refused the token');
  if (typeof error?.code === 'number') return new ConnectionLost(`closed ${error.code} ${error.reason ?? ''}`);
  return new ConnectionLost(error?.message ?? String(error));
}

async function execute(client, payload, stopped) {
  const inbox = subscribe(client, payload);
  try {
    const item = await Promise.race([inbox.next(), stopped]);
    if (item.stop) return null;
    if (item.error !== undefined) throw failure(item.error, 0);
    if (item.complete) throw new ConnectionLost('the server ended the query without a result');
    if (item.result.errors) throw new OperationError(item.result.errors, 0);
    return item.result.data;
  } finally {
    inbox.unsubscribe();
  }
}

/** One connection: subscribe, read the workbench if needed, then print events. */
async function follow(client, state, stopped) {
  // Subscribe before reading the workbench: a change made while the workbench loads then
  // arrives as an event instead of falling in the gap (at worst it shows in both).
  const events = subscribe(client, { query: WORKBENCH_EVENTS, variables: { since: state.since } });
  try {
    if (state.needWorkbench) {
      const data = await execute(client, { query: WORKBENCH }, stopped);
      if (data === null) return true;
      emit(data.workbench);
      state.needWorkbench = false;
    }
    let received = 0;
    for (;;) {
      const item = await Promise.race([events.next(), stopped]);
      if (item.stop) return true;
      if (item.error !== undefined) throw failure(item.error, received);
      if (item.complete) throw new ConnectionLost('the server ended the subscription');
      if (item.result.errors) throw new OperationError(item.result.errors, received);
      const event = item.result.data.workbenchEvents;
      emit(event);
      received += 1;
      state.since = String(event.eventId);
      state.printed += 1;
      if (state.remaining !== null && --state.remaining <= 0) return true;
    }
  } finally {
    events.unsubscribe();
  }
}

/** Decide how to go on after a GraphQL error; throw Fatal when we cannot. */
function afterOperationError(error, state) {
  if (FATAL_CODES.has(error.code)) throw new Fatal(`${error.code}: ${error.message}`);
  if (error.code === 'CONFLICT' && error.afterEvents === 0 && state.since !== null) {
    // Too many events missed for a replay: start over from a fresh workbench.
    log('too far behind for a replay: reloading the workbench');
    state.since = null;
    state.needWorkbench = true;
  } else if (error.code === 'CONFLICT') {
    log(`resubscribing from event ${state.since}: ${error.message}`); // we were too slow
  } else {
    throw new Fatal(`${error.code ?? 'ERROR'}: ${error.message}`);
  }
}

const sleep = (ms, stopped) =>
  Promise.race([new Promise((resolve) => setTimeout(resolve, ms).unref()), stopped]);

/** Connect, follow, and reconnect with `since` until stopped. */
async function run(url, token, state, stopped) {
  let backoff = 500;
  for (;;) {
    const printedBefore = state.printed;
    const client = connect(url, token);
    try {
      if (await follow(client, state, stopped)) return;
    } catch (error) {
      if (error instanceof OperationError) afterOperationError(error, state);
      else if (error instanceof ConnectionLost) log(`connection lost (${error.message}); retrying in ${backoff} ms`);
      else throw error;
    } finally {
      await client.dispose();
    }
    if (state.printed > printedBefore) backoff = 500; // the link worked for a while
    if ((await sleep(backoff, stopped))?.stop) return;
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: process.env.HELPDESK_URL ?? 'http://127.0.0.1:8000' },
      token: { type: 'string', default: process.env.HELPDESK_TOKEN },
      since: { type: 'string' },
      'max-events': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: workbench-client.mjs [--url URL] [--token TOKEN] [--since EVENT_ID] ' +
      '[--max-events N] [--timeout SECONDS]\n');
    process.exit(0);
  }
  if (!values.token) throw new Fatal('a token is required: --token or HELPDESK_TOKEN');
  const maxEvents = values['max-events'] === undefined ? null : Number(values['max-events']);
  if (maxEvents !== null && !(Number.isInteger(maxEvents) && maxEvents >= 1)) {
    throw new Fatal('--max-events must be a whole number of at least 1');
  }
  const timeout = values.timeout === undefined ? null : Number(values.timeout);
  if (timeout !== null && !(timeout > 0)) throw new Fatal('--timeout must be a positive number of seconds');
  return { url: values.url, token: values.token, since: values.since ?? null, maxEvents, timeout };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  // With --since the caller already holds the state up to that event: only the delta is new.
  const state = {
    since: options.since,
    needWorkbench: options.since === null,
    remaining: options.maxEvents,
    printed: 0,
  };
  let timer;
  const stopped = new Promise((resolve) => {
    if (options.timeout !== null) {
      timer = setTimeout(() => {
        log(`--timeout reached after ${state.printed} event(s)`);
        resolve({ stop: true });
      }, options.timeout * 1000);
    }
  });
  try {
    await run(options.url, options.token, state, stopped);
  } finally {
    clearTimeout(timer);
  }
}

// Leave through process.exitCode rather than process.exit(): stdout may still be flushing.
main().catch((error) => {
  log(error instanceof Fatal ? error.message : (error?.stack ?? String(error)));
  process.exitCode = 1;
});
