// A read-only live view of a session (the widget): reads the page's JSON (`<name>-state` with
// {seq, session, ...}, `<name>-i18n`, `<name>-clock`), keeps the state label and the countdown
// on the server's clock (session-clock.js), and, once follow() is called, applies the session's
// events in seq order (replayed from the last seq seen after a reconnect).

import { keepConnected } from "./live-socket.js";
import { countdownText, serverClock, showStatusBadge, statusAt } from "./session-clock.js";

// Questions most wanted first: most votes, then the oldest (the server's order, "-votes").
export function byVotes(a, b) {
  return b.vote_count - a.vote_count || a.created_at.localeCompare(b.created_at) || a.id - b.id;
}

export function liveView(root, name) {
  const read = (suffix) => JSON.parse(document.getElementById(`${name}-${suffix}`).textContent);
  const initial = read("state");
  const strings = read("i18n");
  const serverNow = serverClock(read("clock").server_now);
  const field = (fieldName) => root.querySelector(`[data-field="${fieldName}"]`);

  const view = {
    initial,
    strings,
    field,
    session: initial.session,
    lastSeq: initial.seq,
    tick() {
      const now = serverNow();
      const status = statusAt(view.session, now);
      if (root.dataset.status !== status) {
        root.dataset.status = status;
        showStatusBadge(field("status-label"), status, strings);
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
