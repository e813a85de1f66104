// The agent's workbench, live: loads `workbench` over HTTP, then follows
// `workbenchEvents` over a WebSocket with a small graphql-transport-ws client written
// out below (no library, no build step), so it doubles as a reference client.
"use strict";

const GRAPHQL_PATH = "/graphql";
const TOKEN_KEY = "helpdesk.token";
const ACTIVE_STATUSES = new Set(["NEW", "OPEN", "WAITING"]);
const RELOAD_EVERY_MS = 60_000; // events can't say when a colleague takes an unassigned ticket
// A dead network often closes nothing: after this much silence we ping, and without
// an answer we give the link up and reconnect. Works whatever the server's ping period.
const QUIET_MS = 20_000;
const PONG_WAIT_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;
const ACTIVITY_LIMIT = 50;
// The Date header is whole seconds and may be a few seconds stale on a busy server:
// correct only a desktop clock that is clearly wrong, never by the header's own noise.
const CLOCK_SKEW_TOLERANCE_MS = 30_000;

const TICKET_FIELDS = `fragment Row on Ticket {
  id key subject status waitReason priority
  customer { name }
  group { id }
  assignee { id name }
  sla { state firstResponse { state dueAt metAt } resolution { state dueAt metAt } }
}`;

const WORKBENCH_QUERY = `query Workbench {
  me { id name role groups { id } }
  workbench {
    lastEventId
    pending { ...Row } inProgress { ...Row } waiting { ...Row } nearBreach { ...Row }
    unassignedInMyGroups { ...Row }
  }
}
${TICKET_FIELDS}`;

// Each event carries the ticket as it is now, so the row is refreshed from the event
// itself, without another round trip.
const EVENTS_SUBSCRIPTION = `subscription WorkbenchEvents($since: ID) {
  workbenchEvents(since: $since) {
    __typename
    ... on TicketActivityItem { eventId at ticket { ...Row } }
    ... on TicketAssigned { previousAssigneeId }
    ... on TicketUpdated { event { kind } }
    ... on MessageAdded { message { internal authorKind } }
    ... on SlaNearBreach { target percent }
    ... on SlaBreached { target }
  }
}
${TICKET_FIELDS}`;

const PRIORITY_LABELS = { URGENT: "Urgent", HIGH: "High", MEDIUM: "Medium", LOW: "Low" };
const STATUS_LABELS = { NEW: "New", OPEN: "Open", WAITING: "Waiting", RESOLVED: "Resolved", CLOSED: "Closed" };
const WAIT_LABELS = { CUSTOMER: "on customer", THIRD_PARTY: "on third party", REVIEW: "for review" };
const SLA_LABELS = {
  RUNNING: "On track", NEAR_BREACH: "Near breach", BREACHED: "Breached", PAUSED: "Paused", MET: "Met",
};
const TARGET_LABELS = { FIRST_RESPONSE: "first response", RESOLUTION: "resolution" };

const state = {
  token: null,
  me: null,
  myGroupIds: new Set(),
  mine: new Map(), // ticket id -> ticket
  unassigned: new Map(),
  lastEventId: null, // `since` for the next subscribe after a drop
  clockOffsetMs: 0, // server clock minus ours, when they disagree noticeably
  feed: null,
  timers: [],
  loading: null, // the workbench load in flight
  loadAgain: false,
};

// --- GraphQL over HTTP -------------------------------------------------------------

class GraphQLErrors extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code ?? null;
  }
}

async function graphql(query, variables = {}) {
  const response = await fetch(GRAPHQL_PATH, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${state.token}` },
    body: JSON.stringify({ query, variables }),
  });
  noteServerClock(response);
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`The server answered HTTP ${response.status}.`);
  }
  if (body.errors?.length) throw new GraphQLErrors(body.errors);
  return body.data;
}

// Countdowns compare the server's dueAt with our clock; a wrong desktop clock would
// make every countdown wrong, so correct by the server's Date header when it is off.
function noteServerClock(response) {
  const serverTime = Date.parse(response.headers.get("date") ?? "");
  if (Number.isNaN(serverTime)) return;
  const offset = serverTime - Date.now();
  state.clockOffsetMs = Math.abs(offset) > CLOCK_SKEW_TOLERANCE_MS ? offset : 0;
}

function now() {
  return Date.now() + state.clockOffsetMs;
}

// --- graphql-transport-ws ----------------------------------------------------------

// Close codes after which reconnecting cannot help: the token was refused (4403), or
// the client and server disagree on the protocol (4400, 4401, 4406, 4429).
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406, 4429]);

/**
 * One subscription kept alive over graphql-transport-ws: connection_init with
 * `connectionParams()`, `beforeSubscribe()` awaited, subscribe with `variables()` (read
 * again on every resubscribe, which is how `since` follows the last event), ping/pong,
 * and reconnection with exponential backoff after a drop.
 */
function openSubscription(options) {
  let socket = null;
  let operationId = null;
  let sequence = 0;
  let attempt = 0;
  let retryTimer = null;
  let silenceTimer = null;
  let stopped = false;

  const send = (ws, message) => ws.send(JSON.stringify(message));

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped || socket) return;
    options.onStatus(attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(options.url, "graphql-transport-ws");
    socket = ws;
    // Handlers check `ws === socket` so that a socket we gave up on stays silent.
    ws.onopen = () => {
      if (ws !== socket) return;
      expectTraffic(ws);
      send(ws, { type: "connection_init", payload: options.connectionParams() });
    };
    ws.onmessage = (event) => ws === socket && receive(ws, event.data);
    ws.onclose = (event) => ws === socket && dropped(event.code, event.reason);
  }

  function receive(ws, data) {
    expectTraffic(ws);
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    switch (message.type) {
      case "connection_ack":
        attempt = 0;
        // First whatever the subscription's `since` depends on (a fresh load), then the
        // subscription: it replays from there, so nothing falls between the two.
        Promise.resolve(options.beforeSubscribe())
          .catch(() => null)
          .then(() => {
            if (ws !== socket || stopped || ws.readyState !== WebSocket.OPEN) return;
            subscribe(ws);
            options.onStatus("live");
          });
        break;
      case "ping":
        send(ws, { type: "pong" });
        break;
      case "next":
        if (message.id === operationId) options.onNext(message.payload);
        break;
      case "error": // the subscribe itself was refused (GraphQL errors, no data)
        if (message.id === operationId) {
          operationId = null;
          options.onNext({ errors: message.payload });
          resubscribeLater(ws);
        }
        break;
      case "complete": // the server ended the stream (after an error, or on shutdown)
        if (message.id === operationId) {
          operationId = null;
          resubscribeLater(ws);
        }
        break;
      default: // "pong" and anything newer: nothing to do
    }
  }

  function subscribe(ws) {
    operationId = `workbench-${++sequence}`;
    send(ws, {
      id: operationId,
      type: "subscribe",
      payload: { query: options.query, variables: options.variables() },
    });
  }

  function resubscribeLater(ws) {
    const delay = backoff();
    setTimeout(() => {
      if (!stopped && ws === socket && ws.readyState === WebSocket.OPEN && operationId === null) {
        subscribe(ws);
      }
    }, delay);
  }

  function backoff() {
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
    attempt += 1;
    return base / 2 + (Math.random() * base) / 2; // jitter: clients dropped together don't return together
  }

  function expectTraffic(ws) {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => {
      if (ws !== socket) return;
      send(ws, { type: "ping" });
      silenceTimer = setTimeout(() => abandon(ws, "no answer to ping"), PONG_WAIT_MS);
    }, QUIET_MS);
  }

  // Give up on a socket without waiting for a closing handshake that a dead network
  // would never complete.
  function abandon(ws, reason) {
    if (ws !== socket) return;
    socket = null;
    ws.close(4000, reason);
    dropped(1006, reason);
  }

  function dropped(code, reason) {
    socket = null;
    operationId = null;
    clearTimeout(silenceTimer);
    if (stopped) return;
    if (FATAL_CLOSE_CODES.has(code)) {
      stopped = true;
      options.onFatal(code, reason);
      return;
    }
    if (!navigator.onLine) {
      options.onStatus("offline"); // the "online" event brings us back
      return;
    }
    options.onStatus("reconnecting");
    retryTimer = setTimeout(connect, backoff());
  }

  function goneOffline() {
    if (socket) abandon(socket, "the browser went offline");
    clearTimeout(retryTimer);
    if (!stopped) options.onStatus("offline");
  }

  function backOnline() {
    attempt = 0;
    if (!stopped && !socket) connect();
  }

  window.addEventListener("offline", goneOffline);
  window.addEventListener("online", backOnline);
  connect();

  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(silenceTimer);
      window.removeEventListener("offline", goneOffline);
      window.removeEventListener("online", backOnline);
      const ws = socket;
      socket = null;
      if (ws && ws.readyState === WebSocket.OPEN && operationId) {
        send(ws, { id: operationId, type: "complete" });
      }
      ws?.close(1000, "signed out");
    },
    reconnectNow: backOnline,
  };
}

// --- the workbench's data ----------------------------------------------------------

async function loadWorkbench() {
  // One load at a time; a request during a load runs once more after it.
  if (state.loading) {
    state.loadAgain = true;
    return state.loading;
  }
  state.loading = (async () => {
    try {
      do {
        state.loadAgain = false;
        applyWorkbench(await graphql(WORKBENCH_QUERY));
      } while (state.loadAgain);
    } catch (error) {
      handleError(error, "Could not load the workbench");
    } finally {
      state.loading = null;
    }
  })();
  return state.loading;
}

function applyWorkbench(data) {
  state.me = data.me;
  state.myGroupIds = new Set((data.me?.groups ?? []).map((g) => g.id));
  const bench = data.workbench;
  // Only when no event has come yet: a later reload must not move `since` past events
  // this page has not applied.
  if (state.lastEventId === null && bench.lastEventId) state.lastEventId = bench.lastEventId;
  state.mine = byId([...bench.pending, ...bench.inProgress, ...bench.waiting, ...bench.nearBreach]);
  state.unassigned = byId(bench.unassignedInMyGroups);
  document.getElementById("who").textContent = data.me ? `${data.me.name} · ${data.me.role.toLowerCase()}` : "";
  render();
}

function byId(tickets) {
  return new Map(tickets.map((t) => [t.id, t]));
}

// Puts a ticket where it now belongs: mine, my groups' unassigned, or off the page.
function placeTicket(ticket) {
  state.mine.delete(ticket.id);
  state.unassigned.delete(ticket.id);
  if (!ACTIVE_STATUSES.has(ticket.status)) return;
  if (ticket.assignee && ticket.assignee.id === state.me?.id) {
    state.mine.set(ticket.id, ticket);
  } else if (!ticket.assignee && ticket.group && state.myGroupIds.has(ticket.group.id)) {
    state.unassigned.set(ticket.id, ticket);
  }
}

function onEvent(payload) {
  if (payload.errors?.length) {
    handleError(new GraphQLErrors(payload.errors), "Live updates");
    return;
  }
  const item = payload.data?.workbenchEvents;
  if (!item) return;
  state.lastEventId = item.eventId;
  placeTicket(item.ticket);
  render();
  flash(item.ticket.id);
  announce(describe(item));
}

function describe(item) {
  const key = item.ticket.key;
  const target = TARGET_LABELS[item.target] ?? "";
  switch (item.__typename) {
    case "TicketAssigned": {
      const assignee = item.ticket.assignee;
      if (assignee && assignee.id === state.me?.id) return `${key} was assigned to you.`;
      return assignee ? `${key} was reassigned to ${assignee.name}.` : `${key} was unassigned.`;
    }
    case "MessageAdded": {
      const message = item.message;
      if (message.internal) return `${key}: new internal note.`;
      return message.authorKind === "CUSTOMER" ? `${key}: the customer replied.` : `${key}: new reply.`;
    }
    case "SlaNearBreach":
      return `${key} is near breach: ${target} at ${item.percent}% of its time.`;
    case "SlaBreached":
      return `${key} breached its ${target} target.`;
    default:
      return `${key}: ${humanize(item.event?.kind ?? "updated")}.`;
  }
}

function handleError(error, context) {
  const code = error instanceof GraphQLErrors ? error.code : null;
  if (code === "UNAUTHENTICATED") {
    signOut("The server did not accept this token. Sign in again.");
  } else if (code === "FORBIDDEN") {
    state.feed?.stop();
    setConnection("stopped", "Live updates are not available to this account");
    announce(`${context}: ${error.message}`);
  } else if (code === "CONFLICT") {
    // Too many missed events to replay: start over from a fresh load.
    state.lastEventId = null;
    announce("Missed too many updates while away; reloading.");
    loadWorkbench();
  } else {
    announce(`${context}: ${error.message}`);
  }
}

// --- rendering ---------------------------------------------------------------------

function render() {
  renderTable("mine", state.mine);
  renderTable("unassigned", state.unassigned);
  tick();
}

function renderTable(name, tickets) {
  const body = document.querySelector(`#${name} tbody`);
  const existing = new Map([...body.rows].map((row) => [row.dataset.ticketId, row]));
  for (const ticket of [...tickets.values()].sort(byUrgency)) {
    const row = existing.get(ticket.id) ?? newRow();
    existing.delete(ticket.id);
    fillRow(row, ticket);
    body.appendChild(row); // keeps the node (and its flash) while putting it in order
  }
  for (const gone of existing.values()) gone.remove();
  document.querySelector(`[data-count-for="${name}"]`).textContent = `(${tickets.size})`;
  document.querySelector(`[data-empty-for="${name}"]`).hidden = tickets.size > 0;
}

function newRow() {
  return document.getElementById("row-template").content.firstElementChild.cloneNode(true);
}

function fillRow(row, ticket) {
  const due = nextDue(ticket);
  row.dataset.ticketId = ticket.id;
  row.dataset.priority = ticket.priority;
  row.dataset.sla = ticket.sla.state;
  row.classList.toggle("row--near-breach", ticket.sla.state === "NEAR_BREACH");
  row.classList.toggle("row--breached", ticket.sla.state === "BREACHED");
  row.querySelector(".key").textContent = ticket.key;
  row.querySelector(".subject").textContent = ticket.subject;
  row.querySelector(".customer").textContent = ticket.customer?.name ?? "";
  setBadge(row.querySelector(".priority .badge"), PRIORITY_LABELS[ticket.priority], ticket.priority);
  row.querySelector(".status").textContent = statusText(ticket);
  setBadge(row.querySelector(".sla .badge"), SLA_LABELS[ticket.sla.state] ?? ticket.sla.state, ticket.sla.state);
  const time = row.querySelector(".due time");
  time.dataset.due = due ? String(due.at) : "";
  time.dateTime = due ? new Date(due.at).toISOString() : "";
  time.title = due ? new Date(due.at).toLocaleString() : "";
  row.querySelector(".due .target").textContent = due ? due.target : "";
}

function setBadge(element, text, value) {
  element.textContent = text;
  element.dataset.value = value;
}

function statusText(ticket) {
  const status = STATUS_LABELS[ticket.status] ?? ticket.status;
  return ticket.waitReason ? `${status} ${WAIT_LABELS[ticket.waitReason] ?? ""}`.trim() : status;
}

// The soonest dueAt of the targets still open (not met, not paused).
function nextDue(ticket) {
  const targets = [
    ["first response", ticket.sla.firstResponse],
    ["resolution", ticket.sla.resolution],
  ];
  let best = null;
  for (const [target, sla] of targets) {
    if (!sla || !sla.dueAt || sla.metAt) continue;
    const at = Date.parse(sla.dueAt);
    if (!best || at < best.at) best = { at, target };
  }
  return best;
}

// URGENT pinned first, then the soonest due, nothing due (paused) last.
function byUrgency(a, b) {
  const urgent = Number(b.priority === "URGENT") - Number(a.priority === "URGENT");
  if (urgent) return urgent;
  const dueA = nextDue(a)?.at ?? Infinity;
  const dueB = nextDue(b)?.at ?? Infinity;
  if (dueA !== dueB) return dueA < dueB ? -1 : 1;
  return a.key.localeCompare(b.key, undefined, { numeric: true });
}

// Every second: the countdowns, and the overdue mark the moment a due time passes
// (the server's SlaBreached event follows and makes it official).
function tick() {
  const current = now();
  for (const time of document.querySelectorAll(".due time")) {
    const row = time.closest("tr");
    if (!time.dataset.due) {
      time.textContent = row.dataset.sla === "PAUSED" ? "paused" : "—";
      row.classList.remove("row--overdue");
      continue;
    }
    const left = Number(time.dataset.due) - current;
    time.textContent = left >= 0 ? `in ${duration(left)}` : `${duration(-left)} overdue`;
    row.classList.toggle("row--overdue", left < 0);
  }
}

function duration(ms) {
  const seconds = Math.floor(ms / 1000);
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

const FLASH_MS = 2000;

function flash(ticketId) {
  const row = document.querySelector(`tr[data-ticket-id="${CSS.escape(ticketId)}"]`);
  if (!row) return;
  row.classList.remove("row--flash");
  void row.offsetWidth; // restart the animation when the same row changes again
  row.classList.add("row--flash");
  clearTimeout(row.flashTimer);
  row.flashTimer = setTimeout(() => row.classList.remove("row--flash"), FLASH_MS);
}

function announce(text) {
  const log = document.getElementById("activity");
  const entry = document.createElement("li");
  const time = document.createElement("time");
  time.dateTime = new Date().toISOString();
  time.textContent = new Date().toLocaleTimeString();
  entry.append(time, " ", text);
  log.prepend(entry);
  while (log.children.length > ACTIVITY_LIMIT) log.lastElementChild.remove();
}

function humanize(kind) {
  return kind.toLowerCase().replaceAll("_", " ");
}

const CONNECTION_LABELS = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline: will reconnect",
  stopped: "Live updates off",
};

function setConnection(status, text) {
  const element = document.getElementById("connection");
  element.dataset.state = status;
  element.textContent = text ?? CONNECTION_LABELS[status] ?? status;
}

// --- signing in and out ------------------------------------------------------------

// ?token= (a link from `helpdesk serve --print-demo-tokens`, say) wins over a stored
// one; it is then removed from the address bar so it stays out of history and
// screenshots.
function takeToken() {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return localStorage.getItem(TOKEN_KEY);
}

function websocketUrl() {
  const url = new URL(GRAPHQL_PATH, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

function start(token) {
  state.token = token;
  document.getElementById("sign-in").hidden = true;
  document.getElementById("bench").hidden = false;
  document.getElementById("sign-out").hidden = false;
  loadWorkbench(); // show the tickets at once; the socket may take longer
  state.feed = openSubscription({
    url: websocketUrl(),
    query: EVENTS_SUBSCRIPTION,
    connectionParams: () => ({ authorization: `Bearer ${state.token}` }),
    variables: () => ({ since: state.lastEventId }),
    onStatus: setConnection,
    // Without a `since` to replay from, a fresh load gives one (the newest event id
    // when it read the tickets): the subscription replays whatever came after it.
    beforeSubscribe: () => (state.lastEventId === null ? loadWorkbench() : null),
    onNext: onEvent,
    onFatal: (code) =>
      code === 4403
        ? signOut("The server did not accept this token. Sign in again.")
        : setConnection("stopped", `Live updates off (closed with ${code})`),
  });
  state.timers = [setInterval(tick, 1000), setInterval(loadWorkbench, RELOAD_EVERY_MS)];
}

function signOut(message = "") {
  state.feed?.stop();
  state.timers.forEach(clearInterval);
  Object.assign(state, {
    token: null, me: null, feed: null, timers: [], lastEventId: null, mine: new Map(), unassigned: new Map(),
  });
  localStorage.removeItem(TOKEN_KEY);
  render();
  document.getElementById("activity").replaceChildren();
  document.getElementById("who").textContent = "";
  setConnection("offline", "Not connected");
  showSignIn(message);
}

function showSignIn(message = "") {
  document.getElementById("bench").hidden = true;
  document.getElementById("sign-out").hidden = true;
  document.getElementById("sign-in").hidden = false;
  document.getElementById("token-error").textContent = message;
  document.getElementById("token-input").focus();
}

function init() {
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("token-input");
    const token = input.value.trim();
    if (!token) return;
    input.value = "";
    localStorage.setItem(TOKEN_KEY, token);
    start(token);
    document.getElementById("main").focus();
  });
  document.getElementById("sign-out").addEventListener("click", () => signOut());
  const token = takeToken();
  if (token) start(token);
  else showSignIn();
  // A handle for the browser console and the browser tests.
  window.workbench = { state, reload: loadWorkbench, reconnect: () => state.feed?.reconnectNow() };
}

init();
