// The live pages' socket: one reconnecting WebSocket with jittered backoff, and the page's
// connection line ([data-field="connection"]) saying when it is lost. The session page and
// the moderation view differ only in their URL, in what they do with a message and in when
// they count as connected, so those are what they pass in.

// Jittered exponential backoff, so a restarted server is not met by everyone at once.
function reconnectDelay(attempts) {
  return Math.min(30000, 1000 * 2 ** attempts) * (0.5 + Math.random());
}

// "Going away": a worker that is being restarted closes its sockets with 1001 (townhall/serve.py)
// while the others serve on. Reconnect at once, through the proxy to one of them, spread over up
// to a second so its viewers do not all arrive in the same instant; no backoff.
const GOING_AWAY = 1001;
const GOING_AWAY_SPREAD_MS = 1000;

function showConnection(root, text) {
  const element = root.querySelector('[data-field="connection"]');
  element.hidden = !text;
  element.textContent = text ?? "";
}

// Opens `/ws/...` from `path()` (asked again on every reconnect, so it may carry `?since=`),
// hands each parsed message to `onMessage(event, connection)` and, once closed, says
// `reconnecting` and tries again (at once after 1001), unless the close code is one of
// `finalCodes`.
// `connection.ready()` marks the page connected (root.dataset.connected) and resets the
// backoff; `onOpen` defaults to calling it as soon as the socket opens.
export function keepConnected({
  root,
  path,
  reconnecting,
  finalCodes,
  onMessage,
  onOpen = (connection) => connection.ready(),
}) {
  let attempts = 0;
  const connection = {
    ready() {
      attempts = 0;
      showConnection(root, null);
      root.dataset.connected = "true";
    },
    show(text) {
      showConnection(root, text);
    },
  };

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${path()}`);
    socket.addEventListener("open", () => onOpen(connection));
    socket.addEventListener("message", (message) => {
      onMessage(JSON.parse(message.data), connection);
    });
    socket.addEventListener("close", (closed) => {
      root.dataset.connected = "false";
      if (finalCodes.includes(closed.code)) return;
      showConnection(root, reconnecting);
      if (closed.code === GOING_AWAY) {
        setTimeout(connect, Math.random() * GOING_AWAY_SPREAD_MS);
        return;
      }
      const delay = reconnectDelay(attempts);
      attempts += 1;
      setTimeout(connect, delay);
    });
  }

  connect();
  return connection;
}
