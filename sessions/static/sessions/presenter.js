// The presenter view: the question on air in large type, the next most-voted open questions,
// the countdown and the viewer count, kept live over the session's socket (replayed from the
// last seq seen after a reconnect, like the session page). It only reads; nothing is sent.

import { byVotes, format, liveView } from "./session-clock.js";

const root = document.getElementById("presenter");
const view = liveView(root, "presenter");
const { initial, strings, field } = view;
const questions = new Map(initial.questions.map((q) => [q.id, q]));

// The questions -----------------------------------------------------------------------------

function authorOf(question) {
  return question.politician ? question.politician.name : question.author;
}

function showOnAir() {
  const box = field("on-air");
  const question = [...questions.values()].find((q) => q.on_air);
  const shownId = box.querySelector("[data-post-id]")?.dataset.postId;
  if (question && shownId === String(question.id)) {
    box.querySelector(".on-air-body").textContent = question.body;
    box.querySelector(".on-air-author").textContent = format(strings.asked_by, { author: authorOf(question) });
    return;
  }
  if (!question) {
    if (shownId === undefined && box.querySelector(".empty")) return;
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = strings.nothing_on_air;
    box.replaceChildren(empty);
    return;
  }
  const quote = document.createElement("blockquote");
  quote.className = "on-air-question";
  quote.dataset.postId = question.id;
  const body = document.createElement("p");
  body.className = "on-air-body";
  body.textContent = question.body;
  const author = document.createElement("footer");
  author.className = "on-air-author";
  author.textContent = format(strings.asked_by, { author: authorOf(question) });
  quote.append(body, author);
  box.replaceChildren(quote);
}

function showNext() {
  const next = [...questions.values()]
    .filter((q) => !q.is_answered && !q.on_air)
    .sort(byVotes)
    .slice(0, initial.next_count);
  field("next").replaceChildren(
    ...next.map((q) => {
      const item = document.createElement("li");
      item.dataset.postId = q.id;
      const body = document.createElement("span");
      body.className = "body";
      body.textContent = q.body;
      const votes = document.createElement("span");
      votes.className = "meta";
      votes.textContent = format(q.vote_count === 1 ? strings.votes_one : strings.votes_many, {
        count: q.vote_count,
      });
      item.append(body, " ", votes);
      return item;
    }),
  );
  field("next-empty").hidden = next.length > 0;
}

function applyEvent(event) {
  const data = event.data;
  switch (event.type) {
    case "question.created":
    case "post.updated":
      if (data.parent !== null) return;
      if (data.status === "published") questions.set(data.id, { ...questions.get(data.id), ...data });
      else questions.delete(data.id);
      break;
    case "post.removed":
      if (data.parent === null) questions.delete(data.id);
      break;
    case "vote.changed": {
      const question = questions.get(data.post);
      if (question) question.vote_count = data.vote_count;
      break;
    }
    case "question.on_air":
      for (const question of questions.values()) question.on_air = question.id === data.id;
      break;
    case "session.updated":
      field("title").textContent = data.title;
      return;
    default:
      return;
  }
  showOnAir();
  showNext();
}

view.follow(applyEvent, (viewers) => {
  const presence = field("presence");
  presence.textContent = format(viewers === 1 ? strings.viewers_one : strings.viewers_many, { count: viewers });
  presence.hidden = false;
});
