// What the session page, the presenter view and the widget share: a session's state on the
// server's clock (the server's rule, Session.status_at) and the countdown's words.

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
