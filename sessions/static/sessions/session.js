// The live session page: applies events from /ws/sessions/<id>/ to the server-rendered page,
// keeps the session's clock, and sends the page's forms through the JSON API.
// Without this script the page still reads and its forms still post (progressive enhancement).

import { keepConnected } from "./live-socket.js";
import { livePolls } from "./polls.js";
import { countdownText, format, serverClock, showStatusBadge, statusAt } from "./session-clock.js";

const root = document.getElementById("session");
const initial = JSON.parse(document.getElementById("session-state").textContent);
const strings = JSON.parse(document.getElementById("session-i18n").textContent);

const sessionId = Number(root.dataset.sessionId);
const signedIn = root.dataset.signedIn === "true";
const isPolitician = root.dataset.politician === "true";
const lang = document.documentElement.lang || "en";
const timeZone = root.dataset.timeZone || undefined;
const questionList = field(root, "questions");
const ordering = questionList.dataset.ordering;

let session = initial.session;
let lastSeq = initial.seq;
let displayedStatus = root.dataset.status;
const questions = new Map(initial.questions.map((q) => [q.id, q]));
const voted = new Set(initial.voted);
// The server's clock, as seen from here: the session flips state on the server's time.
// (Read from the page's tail: the rest of the page may be shared by many visitors.)
const serverNow = serverClock(JSON.parse(document.getElementById("session-clock").textContent).server_now);
// As the server rendered the page (the page cache keys on it too).
let displayedFollowUpOver = followUpOverAt(serverNow());

const timeFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone });
const dateTimeFormat = new Intl.DateTimeFormat(lang, {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone,
});
const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone });

function field(element, name) {
  return element.querySelector(`[data-field="${name}"]`);
}

// The clock ---------------------------------------------------------------------------------

// Past follow_up_until the panel's written answers end (Session.follow_up_over_at). The open
// questions' fates turn with the server's post.updated events, never guessed here.
function followUpOverAt(now) {
  return Boolean(session.follow_up_until) && now >= Date.parse(session.follow_up_until);
}

function acceptsPosts(status) {
  return status === "live" || status === "collecting";
}

function tick() {
  const now = serverNow();
  const status = statusAt(session, now);
  if (status !== displayedStatus || followUpOverAt(now) !== displayedFollowUpOver) {
    showStatus(status);
  }
  field(root, "countdown").textContent = countdownText(session, status, now, strings);
}

function showStatus(status) {
  displayedStatus = status;
  displayedFollowUpOver = followUpOverAt(serverNow());
  root.dataset.status = status;
  showStatusBadge(field(root, "status-label"), status, strings);
  const message = field(root, "state-message");
  if (status === "scheduled") {
    message.textContent = format(strings.not_started, {
      start: dateTimeFormat.format(new Date(session.starts_at)),
    });
  } else if (status === "collecting") {
    message.textContent = format(strings.collecting_message, {
      start: dateTimeFormat.format(new Date(session.starts_at)),
    });
  } else if (status === "closed") {
    message.textContent = strings.closed_message;
  } else if (status === "cancelled") {
    message.textContent = strings.cancelled_message;
  } else {
    message.textContent = "";
  }
  // After the end, the panel answers in writing until follow_up_until (the server's word).
  const followUp = field(root, "follow-up");
  followUp.hidden = status !== "closed";
  if (status === "closed") {
    const until = Date.parse(session.follow_up_until);
    followUp.textContent = format(serverNow() < until ? strings.follow_up_open : strings.follow_up_over, {
      date: dateFormat.format(new Date(until)),
    });
  }
  const open = acceptsPosts(status);
  for (const element of root.querySelectorAll(".ask-form, .sign-in-prompt")) {
    element.hidden = !open;
  }
  for (const element of root.querySelectorAll("[data-show-when]")) {
    element.hidden = !element.dataset.showWhen.split(" ").includes(status);
  }
  for (const article of questionList.querySelectorAll(".question")) {
    showVoteButton(article);
    showReplyBox(article);
  }
}

// Rendering posts ---------------------------------------------------------------------------

function cloneTemplate(id, postId) {
  const element = document.getElementById(id).content.firstElementChild.cloneNode(true);
  element.id = `post-${postId}`;
  element.dataset.postId = postId;
  for (const form of element.querySelectorAll("form")) {
    form.action = form.getAttribute("action").replace("/posts/0/", `/posts/${postId}/`);
  }
  for (const link of element.querySelectorAll('a[href*="/posts/0/"]')) {
    link.href = link.getAttribute("href").replace("/posts/0/", `/posts/${postId}/`);
  }
  const textarea = element.querySelector("textarea");
  if (textarea) {
    textarea.id = `reply-${postId}`;
    element.querySelector(`label[for="reply-0"]`)?.setAttribute("for", textarea.id);
  }
  return element;
}

function fillMeta(element, post) {
  const politician = post.politician;
  field(element, "author").textContent = politician ? politician.name : post.author;
  // A question a moderator entered for someone in the room or on the phone says so.
  const channel = field(element, "channel");
  if (channel) {
    channel.hidden = !post.channel || post.channel === "online";
    channel.textContent = strings[`channel_${post.channel}`] ?? "";
  }
  // A verified citizen (signed in with MitID) is marked; a politician has their own badge.
  const verified = field(element, "author-verified");
  if (verified) verified.hidden = Boolean(politician) || !post.author_verified;
  const badge = field(element, "badge");
  badge.hidden = !politician;
  if (politician) {
    field(badge, "badge-role").textContent = politician.role;
    const party = field(badge, "badge-party");
    if (party) party.textContent = politician.party;
  }
  const time = field(element, "time");
  time.dateTime = post.created_at;
  time.textContent = timeFormat.format(new Date(post.created_at));
  field(element, "body").textContent = post.body;
  element.classList.toggle("by-politician", Boolean(politician));
}

function showVoteButton(article) {
  const id = Number(article.dataset.postId);
  const button = article.querySelector(".vote-button");
  const mine = voted.has(id);
  button.value = mine ? "unvote" : "vote";
  button.setAttribute("aria-pressed", String(mine));
  button.disabled = !signedIn || !acceptsPosts(displayedStatus);
}

function showReplyBox(article) {
  // Citizens reply while the session takes posts; panel politicians may answer afterwards too.
  const box = article.querySelector('.reply-box[data-needs-open="true"]');
  if (box) box.hidden = !acceptsPosts(displayedStatus);
  // The panel's answer box and the answered switch go once the follow-up period is over (and
  // come back should staff move follow_up_until later).
  const answerBox = article.querySelector('.reply-box[data-needs-open="false"]');
  if (answerBox) answerBox.hidden = displayedFollowUpOver;
  const answeredForm = article.querySelector(".answered-form");
  if (answeredForm) answeredForm.hidden = displayedFollowUpOver;
}

function showAnswered(article, question) {
  // The fate comes with the question (post.updated): the page only words it.
  article.classList.toggle("answered", question.is_answered);
  const flag = field(article, "fate");
  flag.hidden = !question.is_answered;
  flag.textContent =
    question.fate === "answered_later"
      ? format(strings.answered_later, { date: dateFormat.format(new Date(question.answered_at)) })
      : strings.answered_live;
  field(article, "unanswered").hidden = question.fate !== "unanswered";
  const form = article.querySelector(".answered-form");
  if (form) {
    form.elements.answered.value = question.is_answered ? "false" : "true";
    form.querySelector("button").textContent = question.is_answered
      ? strings.mark_unanswered
      : strings.mark_answered;
  }
}

function showOnAir(article, question) {
  article.classList.toggle("on-air", Boolean(question.on_air));
  article.querySelector(".on-air-flag").hidden = !question.on_air;
  const form = article.querySelector(".on-air-form");
  if (form) {
    form.elements.on_air.value = question.on_air ? "false" : "true";
    form.querySelector("button").textContent = question.on_air ? strings.take_off_air : strings.put_on_air;
  }
}

// question.on_air: at most one question is on air; {"id": null} when none is.
function setOnAir(id) {
  for (const question of questions.values()) {
    const onAir = question.id === id;
    if (Boolean(question.on_air) === onAir) continue;
    question.on_air = onAir;
    const article = articleFor(question.id);
    if (article) showOnAir(article, question);
  }
}

function showMerged(article, question) {
  const merged = Boolean(question.merged_into);
  article.classList.toggle("merged", merged);
  field(article, "merged").hidden = !merged;
  if (merged) field(article, "merged-link").href = `#post-${question.merged_into}`;
}

// A duplicate joined another question: its replies move there; it stays, marked as merged.
function mergeQuestion({ id, into }) {
  const duplicate = questions.get(id);
  const target = questions.get(into);
  const article = articleFor(id);
  const targetArticle = articleFor(into);
  if (duplicate && target) {
    target.replies = [...target.replies, ...duplicate.replies].sort((a, b) => a.id - b.id);
    for (const reply of duplicate.replies) reply.parent = into;
    duplicate.replies = [];
  }
  if (article) {
    for (const reply of article.querySelectorAll(".replies > .reply")) {
      if (targetArticle) targetArticle.querySelector(".replies").append(reply);
      else reply.remove();
    }
  }
  if (duplicate) {
    duplicate.merged_into = into;
    if (article) showMerged(article, duplicate);
  }
  questionsChanged();
}

function articleFor(id) {
  return document.getElementById(`post-${id}`);
}

function sortKey(question) {
  const created = Date.parse(question.created_at);
  return ordering === "-created"
    ? [-created, -question.id]
    : [-question.vote_count, created, question.id];
}

function comesBefore(a, b) {
  const [x, y] = [sortKey(a), sortKey(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
}

function place(article, question) {
  // Keep focus (and what the user is typing) when a thread moves.
  const focused = article.contains(document.activeElement) ? document.activeElement : null;
  let next = null;
  for (const other of questionList.children) {
    if (other === article) continue;
    const otherQuestion = questions.get(Number(other.dataset.postId));
    if (otherQuestion && comesBefore(question, otherQuestion)) {
      next = other;
      break;
    }
  }
  if (article.parentNode === questionList && article.nextElementSibling === next) return;
  questionList.insertBefore(article, next);
  focused?.focus();
}

function upsertQuestion(question) {
  const id = question.id;
  if (question.status !== "published") {
    removeQuestion(id);
    return;
  }
  const known = questions.get(id);
  questions.set(id, { ...known, ...question, replies: known?.replies ?? [] });
  let article = articleFor(id);
  if (!article) {
    article = cloneTemplate("question-template", id);
    showVoteButton(article);
    showReplyBox(article);
  }
  // Also for a known question: its author's name may change (a deleted account).
  fillMeta(article, question);
  article.dataset.votes = question.vote_count;
  field(article, "votes").textContent = question.vote_count;
  showAnswered(article, question);
  showOnAir(article, question);
  showMerged(article, question);
  place(article, questions.get(id));
  for (const reply of question.replies ?? []) upsertReply(reply);
  questionsChanged();
}

function removeQuestion(id) {
  questions.delete(id);
  articleFor(id)?.remove();
  questionsChanged();
}

function upsertReply(reply) {
  const question = questions.get(reply.parent);
  if (!question) return;
  const replies = question.replies.filter((r) => r.id !== reply.id);
  if (reply.status !== "published") {
    question.replies = replies;
    articleFor(reply.id)?.remove();
    return;
  }
  question.replies = [...replies, reply].sort((a, b) => a.id - b.id);
  let element = articleFor(reply.id);
  if (!element) {
    element = cloneTemplate("reply-template", reply.id);
    articleFor(reply.parent).querySelector(".replies").append(element);
  }
  fillMeta(element, reply);
}

function updatePost(post) {
  if (post.parent === null) {
    upsertQuestion({ ...post, replies: questions.get(post.id)?.replies ?? [] });
  } else {
    upsertReply(post);
  }
}

function setVotes(id, count) {
  const question = questions.get(id);
  if (!question) return;
  question.vote_count = count;
  const article = articleFor(id);
  article.dataset.votes = count;
  field(article, "votes").textContent = count;
  place(article, question);
  questionsChanged();
}

function questionsChanged() {
  field(root, "question-count").textContent = `(${questions.size})`;
  field(root, "questions-empty").hidden = questions.size > 0;
  if (isPolitician) showOpenQuestions();
}

function showOpenQuestions() {
  const list = field(root, "open-questions");
  const open = [...questions.values()]
    .filter((q) => !q.is_answered && !q.merged_into)
    .sort((a, b) => b.vote_count - a.vote_count || Date.parse(a.created_at) - Date.parse(b.created_at));
  list.replaceChildren(
    ...open.map((q) => {
      const item = document.createElement("li");
      item.dataset.postId = q.id;
      const link = document.createElement("a");
      link.href = `#post-${q.id}`;
      link.textContent = q.body.length > 120 ? `${q.body.slice(0, 119)}…` : q.body;
      const votes = document.createElement("span");
      votes.className = "meta";
      votes.textContent = format(q.vote_count === 1 ? strings.votes_one : strings.votes_many, {
        count: q.vote_count,
      });
      item.append(link, " ", votes);
      return item;
    }),
  );
  field(root, "open-empty").hidden = open.length > 0;
}

function showPanel(panel) {
  const list = field(root, "panel");
  const items = panel.map((politician) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = politician.name;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [politician.role, politician.party].filter(Boolean).join(" · ");
    item.append(name, " ", meta);
    return item;
  });
  if (!items.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = strings.no_panel;
    items.push(empty);
  }
  list.replaceChildren(...items);
}

function updateSession(payload) {
  session = payload;
  for (const [name, value] of [
    ["starts-at", payload.starts_at],
    ["ends-at", payload.ends_at],
  ]) {
    const time = field(root, name);
    time.dateTime = value;
    time.textContent = dateTimeFormat.format(new Date(value));
  }
  field(root, "title").textContent = payload.title;
  showPanel(payload.panel);
  displayedStatus = null; // re-show, even if the status is the same but the times moved
  tick();
}

// Screen readers hear new posts as they arrive, without moving the reader's focus.
function announce(post) {
  if (post.status !== "published" || articleFor(post.id)) return;
  const author = post.politician ? post.politician.name : post.author;
  let text = strings.new_question;
  if (post.parent !== null) text = post.politician ? strings.new_answer : strings.new_reply;
  field(root, "announcer").textContent = format(text, { author });
}

// Moderation --------------------------------------------------------------------------------

function removePost(removed) {
  // The author keeps seeing their own post, marked with what happened to it.
  const mine = articleFor(removed.id);
  if (mine?.dataset.mine === "true") {
    const post = { id: removed.id, parent: removed.parent, body: field(mine, "body").textContent };
    const reason = strings[`reason_${removed.reason}`] ?? strings.reason_other;
    showOwnPost(
      post,
      removed.status === "hidden"
        ? format(strings.hidden_by_moderator, { reason })
        : strings.awaiting_approval,
      removed.status,
    );
  }
  if (removed.parent === null) {
    removeQuestion(removed.id);
  } else {
    const question = questions.get(removed.parent);
    if (question) question.replies = question.replies.filter((r) => r.id !== removed.id);
    articleFor(removed.id)?.remove();
  }
}

function showTally(tally) {
  const element = field(root, "tally");
  element.hidden = tally.hidden === 0;
  if (!tally.hidden) {
    element.textContent = "";
    return;
  }
  const head = format(tally.hidden === 1 ? strings.tally_one : strings.tally_many, {
    count: tally.hidden,
  });
  const parts = tally.reasons.map(
    (row) => `${strings[`reason_${row.reason}`] ?? strings.reason_other} ${row.count}`,
  );
  element.textContent = `${head}: ${parts.join(", ")}`;
}

// The author's own post that others do not see (waiting for a moderator, or hidden): shown
// only here, marked with its state.
function showOwnPost(post, state, status) {
  document.getElementById(`own-post-${post.id}`)?.remove();
  const item = document.getElementById("own-post-template").content.firstElementChild.cloneNode(true);
  item.id = `own-post-${post.id}`;
  item.dataset.ownPostId = post.id;
  item.className = `own-post status-${status}`;
  field(item, "own-state").textContent = state;
  field(item, "body").textContent = post.body;
  const question = post.parent === null ? null : questions.get(post.parent);
  field(item, "reply-to").hidden = !question;
  if (question) field(item, "reply-to-text").textContent = question.body.slice(0, 80);
  field(root, "own-post-list").append(item);
  field(root, "own-posts").hidden = false;
}

// A post of this reader's: they cannot report it, and they keep seeing it if it is removed.
function markMine(id) {
  const element = articleFor(id);
  if (!element) return;
  element.dataset.mine = "true";
  const main = element.querySelector(":scope > .question-main") ?? element;
  main.querySelector(":scope > .report-box")?.remove();
}

// Approved: it now shows where everyone sees it, so not here any more.
function forgetOwnPost(id) {
  document.getElementById(`own-post-${id}`)?.remove();
  const list = field(root, "own-post-list");
  field(root, "own-posts").hidden = list.children.length === 0;
}

function applyEvent(event) {
  switch (event.type) {
    case "question.created":
      announce(event.data);
      forgetOwnPost(event.data.id);
      upsertQuestion(event.data);
      break;
    case "reply.created":
      announce(event.data);
      forgetOwnPost(event.data.id);
      upsertReply(event.data);
      break;
    case "post.removed":
      removePost(event.data);
      break;
    case "moderation.tally":
      showTally(event.data);
      break;
    case "post.updated":
      updatePost(event.data);
      break;
    case "question.merged":
      mergeQuestion(event.data);
      break;
    case "vote.changed":
      setVotes(event.data.post, event.data.vote_count);
      break;
    case "session.updated":
      updateSession(event.data);
      break;
    case "question.on_air":
      setOnAir(event.data.id);
      break;
    default:
      polls?.apply(event);
  }
}

// Presence and resync -------------------------------------------------------------------------

// One id per browser (kept in localStorage), so two tabs, or a reconnect, count as one viewer.
const viewerId = (() => {
  const key = "townhall-viewer";
  try {
    let id = localStorage.getItem(key);
    if (!id) {
      id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
      localStorage.setItem(key, id);
    }
    return id;
  } catch {
    return "";
  }
})();

function showPresence(viewers) {
  const element = field(root, "presence");
  element.textContent = format(viewers === 1 ? strings.viewers_one : strings.viewers_many, { count: viewers });
  element.hidden = false;
}

// Too far behind for the server to replay: reload the page, keeping what the user was typing.
const draftsKey = `townhall-drafts-${sessionId}`;

function saveDrafts() {
  const drafts = {};
  for (const textarea of root.querySelectorAll("textarea[id]")) {
    if (textarea.value) drafts[textarea.id] = textarea.value;
  }
  try {
    sessionStorage.setItem(draftsKey, JSON.stringify(drafts));
  } catch {
    // Storage refused: the reload still brings the page up to date.
  }
}

function resync() {
  saveDrafts();
  location.reload();
}

// The login ended (signed out elsewhere, timed out): keep what was typed for after signing in
// again, and say so with a link that comes back here. The feed goes on, as for anyone.
let askedToSignIn = false;

function askToSignIn(reason) {
  saveDrafts();
  if (askedToSignIn) return;
  askedToSignIn = true;
  const notice = field(root, "notice");
  const link = document.createElement("a");
  link.href = `${root.dataset.loginUrl}?next=${encodeURIComponent(location.pathname)}`;
  link.textContent = strings.sign_in_again;
  notice.replaceChildren(reason === "expired" ? strings.login_expired : strings.signed_out, " ", link);
  notice.hidden = false;
}

function restoreDrafts() {
  let drafts = {};
  try {
    drafts = JSON.parse(sessionStorage.getItem(draftsKey) ?? "{}");
    sessionStorage.removeItem(draftsKey);
  } catch {
    return;
  }
  for (const [id, value] of Object.entries(drafts)) {
    const textarea = document.getElementById(id);
    if (textarea && !textarea.value) textarea.value = value;
  }
}

// Pausing the live feed (WCAG 2.2.2) ----------------------------------------------------------

// While paused, events wait here in order, and the page does not move; a button says how many
// new questions wait and shows them. The polite live region says so once per new question.
let paused = false;
const held = [];

function showHeldButton() {
  const button = field(root, "show-held");
  const count = held.filter((event) => event.type === "question.created").length;
  button.hidden = held.length === 0;
  button.textContent = count
    ? format(count === 1 ? strings.held_one : strings.held_many, { count })
    : strings.held_updates;
  return count;
}

function hold(event) {
  held.push(event);
  const count = showHeldButton();
  if (event.type === "question.created") field(root, "announcer").textContent = field(root, "show-held").textContent;
  return count;
}

function applyHeld() {
  for (const event of held.splice(0)) applyEvent(event);
  showHeldButton();
}

function setupPause() {
  const controls = field(root, "feed-controls");
  const pause = field(root, "pause");
  controls.hidden = false;
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) applyHeld();
  });
  field(root, "show-held").addEventListener("click", () => {
    applyHeld();
    // The button hides itself: the focus goes to the pause button beside the list, not away.
    field(root, "pause").focus();
  });
}

// The socket --------------------------------------------------------------------------------

function onEvent(event) {
  if (event.type === "error") {
    console.warn("Townhall:", event.data.message);
    return;
  }
  if (event.type === "presence") {
    showPresence(event.data.viewers);
    return;
  }
  if (event.type === "resync") {
    resync();
    return;
  }
  if (event.type === "signed_out") {
    // A ban: the page reloads into what a banned person sees, with the drafts kept.
    if (event.data.reason === "banned") resync();
    else askToSignIn(event.data.reason);
    return;
  }
  if (typeof event.seq !== "number" || event.seq <= lastSeq) return;
  lastSeq = event.seq;
  if (paused) hold(event);
  else applyEvent(event);
  root.dataset.seq = String(lastSeq);
}

// Forms, through the API --------------------------------------------------------------------

function errorText(body) {
  if (!body || typeof body !== "object") return strings.error;
  if (body.detail) return body.detail;
  return Object.values(body).flat().join(" ") || strings.error;
}

// Writes a retry could double carry an Idempotency-Key: one per draft (per form, so one per
// attempt to vote in a poll), kept until the server has answered it, so a double tap or a
// resend after a lost answer is one post, one vote, one ballot.
const RESENT_WRITES = new Set(["ask", "reply", "vote", "ballot"]);
const MAX_RESEND_WAIT_S = 30;
const RESEND_ATTEMPTS = 40;

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function keyFor(form) {
  if (!RESENT_WRITES.has(form.dataset.action)) return null;
  form.dataset.idempotencyKey ??= newKey();
  return form.dataset.idempotencyKey;
}

function sleep(seconds) {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

// One request; when the town hall is unavailable (503) or the answer was lost on the way (no
// response), the same request again, with the same key, after Retry-After (or a growing
// wait), saying so in the form's error box. Any other answer ends it, and its key.
async function callApi(method, url, form, payload) {
  const key = keyFor(form);
  for (let attempt = 1; ; attempt += 1) {
    let response;
    try {
      response = await fetch(url, {
        method,
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
          ...(key ? { "Idempotency-Key": key } : {}),
        },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
    } catch {
      response = null;
    }
    if (key && attempt < RESEND_ATTEMPTS && (response === null || response.status === 503)) {
      const asked = Number(response?.headers.get("Retry-After"));
      const wait = Math.min(MAX_RESEND_WAIT_S, asked > 0 ? asked : 2 ** Math.min(attempt, 5));
      const body = await response?.json().catch(() => null);
      showResending(form, body?.detail);
      await sleep(wait);
      continue;
    }
    if (response === null) throw new Error(strings.error);
    delete form.dataset.idempotencyKey;
    const body = await response.json().catch(() => null);
    if (response.status === 401 && signedIn) askToSignIn(body?.code === "session_expired" ? "expired" : "signed_out");
    if (!response.ok) {
      const error = new Error(errorText(body));
      error.code = body?.code;
      throw error;
    }
    return body;
  }
}

function errorBoxOf(form) {
  return (
    form.querySelector(".form-error") ??
    form.parentElement.querySelector(":scope > .form-error") ??
    field(root, "notice")
  );
}

function showResending(form, detail) {
  const box = errorBoxOf(form);
  box.textContent = detail ? `${detail} ${strings.resending}` : strings.resending;
  box.hidden = false;
}

async function submit(form, submitter) {
  const postId = Number(form.closest("[data-post-id]")?.dataset.postId);
  const textarea = form.querySelector("textarea");
  switch (form.dataset.action) {
    case "ask": {
      const question = await callApi("POST", `/api/sessions/${sessionId}/questions/`, form, {
        body: textarea.value,
      });
      textarea.value = "";
      clearTimeout(similarTimer);
      showSimilar("");
      if (question.status === "pending") {
        showOwnPost(question, strings.awaiting_approval, "pending");
        break;
      }
      // The socket usually brings it first; a later event must not be overwritten by this.
      if (!questions.has(question.id)) upsertQuestion(question);
      markMine(question.id);
      break;
    }
    case "reply": {
      const reply = await callApi("POST", `/api/posts/${postId}/replies/`, form, {
        body: textarea.value,
        mark_answered: Boolean(form.elements.mark_answered?.checked),
      });
      textarea.value = "";
      if (reply.status === "pending") {
        showOwnPost(reply, strings.awaiting_approval, "pending");
        break;
      }
      if (!articleFor(reply.id)) upsertReply(reply);
      markMine(reply.id);
      break;
    }
    case "vote": {
      // The count arrives as a vote.changed event, in order with everyone else's votes.
      const unvote = voted.has(postId);
      try {
        await callApi(unvote ? "DELETE" : "POST", `/api/posts/${postId}/vote/`, form);
      } catch (error) {
        // Voted (or took it back) in another tab: the server knows better than this page.
        if (error.code === "already_voted") voted.add(postId);
        else if (error.code === "not_voted") voted.delete(postId);
        else throw error;
        break;
      }
      if (unvote) voted.delete(postId);
      else voted.add(postId);
      break;
    }
    case "answered": {
      // The new flag arrives as a post.updated event.
      const answered = form.elements.answered.value === "true";
      await callApi("POST", `/api/posts/${postId}/answered/`, form, { answered });
      break;
    }
    case "on_air": {
      // The mark arrives as a question.on_air event, on every page at once.
      const method = form.elements.on_air.value === "true" ? "POST" : "DELETE";
      await callApi(method, `/api/posts/${postId}/on-air/`, form);
      break;
    }
    case "report": {
      await callApi("POST", `/api/posts/${postId}/report/`, form, {
        reason: form.elements.reason.value,
      });
      const thanks = document.createElement("p");
      thanks.className = "reported";
      thanks.textContent = strings.reported;
      form.closest(".report-box").replaceWith(thanks);
      break;
    }
    case "ballot": {
      // The counts arrive as poll.results events; this reader's own view (their ballot, results
      // shown after voting) comes with the polls section read again.
      const kind = form.dataset.kind;
      const payload = {};
      if (kind === "scale") payload.value = Number(form.elements.value.value);
      else if (kind === "words") {
        payload.words = [...form.querySelectorAll("[name=words]")].map((input) => input.value).filter((word) => word.trim());
      } else {
        payload.choices = [...form.querySelectorAll("[name=choices]:checked")].map((input) => Number(input.value));
      }
      await callApi("POST", `/api/polls/${form.dataset.pollId}/ballot/`, form, payload);
      await polls?.read();
      break;
    }
    case "control": {
      const action = submitter?.value && submitter.name === "action" ? submitter.value : form.elements.action.value;
      const payload = {};
      if (form.elements.minutes) payload.minutes = Number(form.elements.minutes.value);
      if (form.elements.until?.value) payload.until = form.elements.until.value;
      updateSession(await callApi("POST", `/api/sessions/${sessionId}/${action}/`, form, payload));
      break;
    }
  }
}

// A report box holds a link to the report page; opened here, it gets the page's one report
// form instead (report-form-template), so the page does not carry a form for every post.
// "toggle" does not bubble: caught on its way down.
root.addEventListener(
  "toggle",
  (event) => {
    const box = event.target;
    if (!box.open || !box.classList?.contains("report-box") || box.querySelector("form")) return;
    const template = document.getElementById("report-form-template");
    const postId = box.closest("[data-post-id]")?.dataset.postId;
    if (!template || !postId) return;
    const form = template.content.firstElementChild.cloneNode(true);
    form.action = form.getAttribute("action").replace("/posts/0/", `/posts/${postId}/`);
    box.querySelector(".report-choose")?.replaceWith(form);
  },
  true,
);

root.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.dataset.action) return;
  event.preventDefault();
  const errorBox = errorBoxOf(form);
  const buttons = form.querySelectorAll("button");
  for (const button of buttons) button.disabled = true;
  try {
    await submit(form, event.submitter);
    errorBox.textContent = "";
    errorBox.hidden = errorBox.dataset.field === "notice";
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  } finally {
    for (const button of buttons) button.disabled = false;
    const article = form.closest(".question");
    if (article) showVoteButton(article);
  }
});

// Similar questions while typing a new one: asked after a pause in typing, never per key.
const SIMILAR_DELAY_MS = 350;
let similarTimer = null;
let similarAsked = "";

async function showSimilar(text) {
  const box = field(root, "similar");
  if (!box) return;
  similarAsked = text;
  if (text.trim().length < 8) {
    box.hidden = true;
    return;
  }
  let found = [];
  try {
    const response = await fetch(
      `/api/sessions/${sessionId}/similar/?text=${encodeURIComponent(text.slice(0, 2000))}`,
      { credentials: "same-origin", headers: { Accept: "application/json" } },
    );
    if (response.ok) found = await response.json();
  } catch {
    return; // Suggestions are a help, not a need.
  }
  if (text !== similarAsked) return; // typed on meanwhile
  const list = field(box, "similar-list");
  list.replaceChildren(
    ...found.map((question) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#post-${question.id}`;
      link.textContent = question.body.length > 120 ? `${question.body.slice(0, 119)}…` : question.body;
      const votes = document.createElement("span");
      votes.className = "meta";
      votes.textContent = format(question.votes === 1 ? strings.votes_one : strings.votes_many, {
        count: question.votes,
      });
      item.append(link, " ", votes);
      return item;
    }),
  );
  box.hidden = found.length === 0;
}

root.querySelector("#id_body")?.addEventListener("input", (event) => {
  clearTimeout(similarTimer);
  const text = event.target.value;
  similarTimer = setTimeout(() => showSimilar(text), SIMILAR_DELAY_MS);
});

// A politician picking a question from the worklist lands in its answer box, ready to type.
root.addEventListener("click", (event) => {
  const link = event.target.closest(".open-questions a");
  if (!link) return;
  const article = articleFor(link.closest("li").dataset.postId);
  const box = article?.querySelector(".reply-box");
  if (!box) return;
  event.preventDefault();
  box.open = true;
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  article.scrollIntoView({ behavior: still ? "instant" : "smooth", block: "start" });
  box.querySelector("textarea").focus({ preventScroll: true });
  history.replaceState(null, "", `#${article.id}`);
});

const pollSection = field(root, "polls");
const polls = pollSection
  ? livePolls({
      section: pollSection,
      fragmentUrl: `/sessions/${sessionId}/polls/`,
      strings,
      announce: (text) => {
        field(root, "announcer").textContent = text;
      },
    })
  : null;

restoreDrafts();
setupPause();
tick();
setInterval(tick, 1000);
keepConnected({
  root,
  // Asked again on every reconnect: the server replays what came after the last event seen.
  path: () => `/ws/sessions/${sessionId}/?since=${lastSeq}&viewer=${viewerId}`,
  reconnecting: strings.reconnecting,
  finalCodes: [4404], // the session is gone
  onMessage: onEvent,
});
