// The widget (/embed/sessions/<id>/): the session's state and its questions by votes, with the
// panel's answers and each question's fate, kept live over the session's socket (replayed from
// the last seq seen after a reconnect, like the presenter view). It only reads; taking part
// happens on the full site. It tells the page around it its height (see embed-loader.js).

import { byVotes, liveView } from "./live-view.js";
import { format } from "./session-clock.js";

const root = document.getElementById("widget");
const view = liveView(root, "widget");
const { initial, strings, field } = view;
const sessionId = Number(root.dataset.sessionId);
const questions = new Map(initial.questions.map((q) => [q.id, q]));

// The questions -----------------------------------------------------------------------------

function questionItem(question) {
  const item = document.createElement("li");
  item.dataset.postId = question.id;
  const body = document.createElement("p");
  body.className = "body";
  body.textContent = question.body;
  const meta = document.createElement("p");
  meta.className = "meta";
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = question.author;
  const votes = document.createElement("span");
  votes.className = "votes";
  votes.textContent = format(question.vote_count === 1 ? strings.votes_one : strings.votes_many, {
    count: question.vote_count,
  });
  meta.append(author, " · ", votes);
  if (strings[question.fate]) {
    const fate = document.createElement("span");
    fate.className = `badge fate fate-${question.fate}`;
    fate.textContent = strings[question.fate];
    meta.append(" ", fate);
  }
  item.append(body, meta);
  for (const answer of question.replies) {
    const quote = document.createElement("blockquote");
    quote.className = "answer";
    const text = document.createElement("p");
    text.textContent = answer.body;
    const footer = document.createElement("footer");
    footer.textContent = answer.politician.role
      ? `${answer.politician.name}, ${answer.politician.role}`
      : answer.politician.name;
    quote.append(text, footer);
    item.append(quote);
  }
  return item;
}

function showQuestions() {
  const sorted = [...questions.values()].sort(byVotes);
  field("questions").replaceChildren(...sorted.map(questionItem));
  field("questions-empty").hidden = sorted.length > 0;
}

function isShown(post) {
  return post.status === "published" && post.merged_into === null;
}

function applyQuestion(data) {
  if (!isShown(data)) {
    questions.delete(data.id);
    return;
  }
  const known = questions.get(data.id);
  questions.set(data.id, { ...data, replies: known ? known.replies : [] });
}

function applyReply(data) {
  const question = questions.get(data.parent);
  if (!question) return;
  const others = question.replies.filter((reply) => reply.id !== data.id);
  const sorted = (replies) => replies.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  question.replies = data.politician && data.status === "published" ? sorted([...others, data]) : others;
}

function applyEvent(event) {
  const data = event.data;
  switch (event.type) {
    case "question.created":
    case "reply.created":
    case "post.updated":
      if (data.parent === null) applyQuestion(data);
      else applyReply(data);
      break;
    case "post.removed":
      if (data.parent === null) questions.delete(data.id);
      else applyReply({ ...data, politician: null });
      break;
    case "question.merged":
      questions.delete(data.id);
      break;
    case "vote.changed": {
      const question = questions.get(data.post);
      if (question) question.vote_count = data.vote_count;
      break;
    }
    case "session.updated":
      field("title").textContent = data.title;
      return;
    default:
      return;
  }
  showQuestions();
}

// The page around it ------------------------------------------------------------------------

// Only a height leaves the widget: embed-loader.js on the host page sizes the iframe with it,
// after checking that the message comes from this site.
function tellHeight() {
  if (window.parent === window) return;
  const height = Math.ceil(document.documentElement.scrollHeight);
  window.parent.postMessage({ type: "townhall:height", session: sessionId, height }, "*");
}

new ResizeObserver(tellHeight).observe(document.body);

view.follow(applyEvent);
