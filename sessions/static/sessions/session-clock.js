// What the session page, the presenter view and the widget share: a session's state on the
// server's clock (the server's rule, Session.status_at) and the countdown's words; and, for the
// two read-only views, following the session's events (liveView).

import { keepConnected } from "./live-socket.js";

export function format(template, params) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(params[key]));
}

// `session` is the session's payload (payloads.SessionPayload); `now` the server's time in ms.
export function statusAt(session, now) {
  if (session.status === "cancelled") return "cancelled"; // staff's word, not the clock's
  if (now < Date.parse(session.starts_at)) {
    // The collecting phase: questions open before the start.
    const opens = session.questions_open_at ? Date.parse(session.questions_open_at) : Infinity;
    return session.accepts_questions_early || now >= opens ? "collecting" : "scheduled";
  }
  if (now < Date.parse(session.ends_at)) return "live";
  return "closed";
}

// Questions most wanted first: most votes, then the oldest (the server's order, "-votes").
export function byVotes(a, b) {
  return b.vote_count - a.vote_count || a.created_at.localeCompare(b.created_at) || a.id - b.id;
}

// "1:04:09", or "2 d 1:04:09" with the page's `days` string ("%(days)s d").
export function duration(ms, daysTemplate) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  const clock = hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
  return days ? `${format(daysTemplate, { days })} ${clock}` : clock;
}

// The countdown beside the state: to the start, to the end, or nothing.
export function countdownText(session, status, now, strings) {
  if (status === "scheduled" || status === "collecting") {
    return format(strings.starts_in, { time: duration(Date.parse(session.starts_at) - now, strings.days) });
  }
  if (status === "live") {
    return format(strings.ends_in, { time: duration(Date.parse(session.ends_at) - now, strings.days) });
  }
  return "";
}

// A read-only live view of a session (the presenter view, the widget): reads the page's JSON
// (`<name>-state` with {seq, session, ...}, `<name>-i18n`, `<name>-clock`), keeps the state
// label and the countdown on the server's clock, and, once follow() is called, applies the
// session's events in seq order (replayed from the last seq seen after a reconnect).
export function liveView(root, name) {
  const read = (suffix) => JSON.parse(document.getElementById(`${name}-${suffix}`).textContent);
  const initial = read("state");
  const strings = read("i18n");
  const clockOffset = Date.parse(read("clock").server_now) - Date.now();
  const field = (fieldName) => root.querySelector(`[data-field="${fieldName}"]`);

  const view = {
    initial,
    strings,
    field,
    session: initial.session,
    lastSeq: initial.seq,
    tick() {
      const now = Date.now() + clockOffset;
      const status = statusAt(view.session, now);
      if (root.dataset.status !== status) {
        root.dataset.status = status;
        const label = field("status-label");
        label.textContent = strings[status];
        label.className = `badge status-${status}`;
      }
      field("countdown").textContent = countdownText(view.session, status, now, strings);
    },
    // `applyEvent(event)` for each new event; `onPresence(viewers)` for the viewer count.
    follow(applyEvent, onPresence = () => {}) {
      function onMessage(event) {
        if (event.type === "presence") {
          onPresence(event.data.viewers);
          return;
        }
        if (event.type === "resync") {
          location.reload();
          return;
        }
        if (typeof event.seq !== "number" || event.seq <= view.lastSeq) return;
        view.lastSeq = event.seq;
        if (event.type === "session.updated") {
          view.session = event.data;
          view.tick();
        }
        applyEvent(event);
        root.dataset.seq = String(view.lastSeq);
      }
      view.tick();
      setInterval(view.tick, 1000);
      keepConnected({
        root,
        path: () => `/ws/sessions/${root.dataset.sessionId}/?since=${view.lastSeq}`,
        reconnecting: strings.reconnecting,
        finalCodes: [4404],
        onMessage,
      });
    },
  };
  return view;
}
