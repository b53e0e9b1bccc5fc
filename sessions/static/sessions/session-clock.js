// The session's clock, shared by the session page and the presenter view: the server's time as
// seen from this browser, the session's state at a time (the server's rule, Session.status_at),
// the countdown's text and the state's badge.

// "%(name)s" placeholders, as Django's translations write them.
export function format(template, params) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(params[key]));
}

// A function giving the server's time now, from the time the server wrote into the page: the
// session flips state on the server's clock, not on this device's.
export function serverClock(serverNowIso) {
  const offset = Date.parse(serverNowIso) - Date.now();
  return () => Date.now() + offset;
}

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

function duration(ms, strings) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  const clock = hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
  return days ? `${format(strings.days, { days })} ${clock}` : clock;
}

// "Starts in 4:59" before the start, "Ends in 1:02:03" while live, nothing after.
export function countdownText(session, status, now, strings) {
  if (status === "scheduled" || status === "collecting") {
    return format(strings.starts_in, { time: duration(Date.parse(session.starts_at) - now, strings) });
  }
  if (status === "live") {
    return format(strings.ends_in, { time: duration(Date.parse(session.ends_at) - now, strings) });
  }
  return "";
}

// The state's badge: its word (never its colour alone) and the class that colours it.
export function showStatusBadge(label, status, strings) {
  label.textContent = strings[status];
  label.className = `badge status-${status}`;
}
