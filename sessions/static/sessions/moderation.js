// The live moderation view. The moderators' socket (/ws/sessions/<id>/moderation/) only rings
// a doorbell; the page then reads itself again and swaps in what changed. The state always
// comes fresh from the server, so nothing can drift and a reconnect simply reads again.
// Forms go through the JSON API; without this script they post to the page itself.

import { keepConnected } from "./live-socket.js";

const root = document.getElementById("moderation");
const strings = JSON.parse(document.getElementById("moderation-i18n").textContent);
const sessionId = Number(root.dataset.sessionId);

function field(name) {
  return root.querySelector(`[data-field="${name}"]`);
}

// Reading the page again -------------------------------------------------------------------

let refreshing = false;
let again = false;
let timer = null;

function scheduleRefresh() {
  // Many events in a burst (a vote storm) become one read.
  clearTimeout(timer);
  timer = setTimeout(refresh, 250);
}

async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    const response = await fetch(location.pathname, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) throw new Error(response.statusText);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    swapIn(fresh);
    root.dataset.refreshed = String(Number(root.dataset.refreshed || 0) + 1);
  } catch (error) {
    console.warn("Townhall moderation:", error);
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      scheduleRefresh();
    }
  }
}

// A moderator may be choosing a reason or typing a note in an item: leave that one alone.
function defaultValue(input) {
  if (input.tagName !== "SELECT") return input.defaultValue;
  return ([...input.options].find((option) => option.defaultSelected) ?? input.options[0])?.value;
}

function busy(item) {
  if (item.contains(document.activeElement)) return true;
  return [...item.querySelectorAll("select, input[type=text]")].some(
    (input) => input.value !== defaultValue(input),
  );
}

function reconcile(list, freshList) {
  const current = new Map([...list.children].map((item) => [item.dataset.key, item]));
  const wanted = [...freshList.children].map((freshItem) => {
    const old = current.get(freshItem.dataset.key);
    if (old && (old.dataset.version === freshItem.dataset.version || busy(old))) return old;
    return document.importNode(freshItem, true);
  });
  const keep = new Set(wanted);
  for (const item of [...list.children]) if (!keep.has(item) && !busy(item)) item.remove();
  wanted.forEach((item, index) => {
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
  });
}

function swapIn(fresh) {
  for (const element of root.querySelectorAll("[data-live]")) {
    const freshElement = fresh.querySelector(`[data-live="${element.dataset.live}"]`);
    if (!freshElement) continue;
    if ("list" in element.dataset) {
      reconcile(element, freshElement);
    } else {
      element.textContent = freshElement.textContent;
      element.hidden = freshElement.hidden;
    }
  }
}

// The doorbell -----------------------------------------------------------------------------

// The view counts as connected once the server says "ready", not when the socket opens.
function onDoorbell(event, connection) {
  if (event.type === "ready") {
    connection.ready();
    scheduleRefresh(); // whatever happened while this page was loading or offline
  } else if (event.type === "changed" || event.type === "poll.results") {
    // poll.results: counts only moderators may see yet (coalesced by the server).
    scheduleRefresh();
  } else if (event.type === "error") {
    connection.show(event.data.message);
  } else if (event.type === "signed_out") {
    // The login ended (signed out, timed out): the page itself now asks to sign in again.
    location.reload();
  }
}

// Forms, through the API -------------------------------------------------------------------

function errorText(body) {
  if (!body || typeof body !== "object") return strings.error;
  if (body.detail) return body.detail;
  return Object.values(body).flat().join(" ") || strings.error;
}

// Fields only the page's own form handling reads (which object): the API has it in the URL,
// and refuses fields it does not know.
const PAGE_ONLY = new Set([
  "csrfmiddlewaretoken",
  "op",
  "post",
  "ban",
  "keyword",
  "question",
  "from",
]);
// Ids and counts go as JSON numbers: the API does not turn "24" into 24.
const NUMBERS = new Set(["session", "hours", "user", "into"]);

// A form whose address names the object chosen in it ("/api/posts/{question}/merge/").
function urlOf(form) {
  return form.dataset.url.replace(/\{(\w+)\}/g, (_, name) =>
    encodeURIComponent(form.elements[name].value),
  );
}

function payloadOf(form, submitter) {
  const payload = {};
  for (const [name, value] of new FormData(form, submitter)) {
    if (PAGE_ONLY.has(name) || value === "") continue;
    payload[name] = NUMBERS.has(name) ? Number(value) : value;
  }
  return payload;
}

root.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.dataset.url) return;
  event.preventDefault();
  const errorBox = form.querySelector(".form-error");
  // Read the form before its buttons are disabled: a disabled submitter sends no value.
  const payload = payloadOf(form, event.submitter);
  const buttons = form.querySelectorAll("button");
  for (const button of buttons) button.disabled = true;
  try {
    const response = await fetch(urlOf(form), {
      method: form.dataset.method,
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
      body: JSON.stringify(payload),
    });
    if (!response.ok) throw new Error(errorText(await response.json().catch(() => null)));
    errorBox.textContent = "";
    // The item is done with: the next read may replace it.
    form.reset();
    document.activeElement?.blur();
    await refresh();
  } catch (error) {
    errorBox.textContent = error.message;
  } finally {
    for (const button of buttons) button.disabled = false;
  }
});

// "Ban the author…" fills the ban form with the author's username.
root.addEventListener("click", (event) => {
  const link = event.target.closest(".ban-link");
  if (!link) return;
  event.preventDefault();
  const form = document.getElementById("ban-form");
  form.querySelector("[name=username]").value = link.dataset.username;
  form.scrollIntoView({ behavior: "smooth", block: "start" });
  form.querySelector("[name=reason]").focus({ preventScroll: true });
});

keepConnected({
  root,
  path: () => `/ws/sessions/${sessionId}/moderation/`,
  reconnecting: strings.reconnecting,
  finalCodes: [4401, 4403, 4404],
  onOpen: () => {},
  onMessage: onDoorbell,
});
// A slow safety net: should a doorbell be lost, the page is never more than a minute behind.
setInterval(scheduleRefresh, 60000);
