// Polls on the live pages (the session page and the presenter view). Counts arrive as
// poll.results events (coalesced by the server) and are written into the results in place;
// when a poll opens or closes, the page reads its polls section again from the server, which
// renders it for this reader (their form, their ballot, the results they may see).

function field(element, name) {
  return element.querySelector(`[data-field="${name}"]`);
}

function format(template, params) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(params[key]));
}

// Word-cloud size classes, as the server draws them (pages/polls.py, cloud_of).
const CLOUD_SIZES = 5;

function writeResults(section, data, strings) {
  const results = section.querySelector(`#poll-${data.poll} .results`);
  if (!results) return; // not shown to this reader (or not yet): nothing to update
  const voters = data.voters;
  field(results, "voters").textContent = format(
    voters === 1 ? strings.poll_voters_one : strings.poll_voters_many,
    { count: voters },
  );
  const bars = field(results, "bars");
  if (bars) {
    for (const [key, count] of Object.entries(data.counts)) {
      const row = bars.querySelector(`li[data-key="${CSS.escape(key)}"]`);
      if (!row) continue;
      const percent = voters ? Math.round((100 * count) / voters) : 0;
      row.querySelector("progress").value = percent;
      row.querySelector(".figure").textContent = `${count} (${percent} %)`;
    }
    return;
  }
  const words = Object.entries(data.counts); // most frequent first, as the server ranks them
  const ranking = field(results, "ranking");
  ranking.replaceChildren(
    ...words.map(([word, count]) => {
      const item = document.createElement("li");
      item.dataset.key = word;
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = word;
      const figure = document.createElement("span");
      figure.className = "figure";
      figure.textContent = String(count);
      item.append(label, " ", figure);
      return item;
    }),
  );
  const most = Math.max(0, ...words.map(([, count]) => count));
  field(results, "cloud").replaceChildren(
    ...words
      .slice()
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([word, count]) => {
        const span = document.createElement("span");
        span.className = `cloud-word cloud-size-${1 + Math.floor(((CLOUD_SIZES - 1) * count) / most)}`;
        span.textContent = word;
        return [span, " "];
      }),
  );
}

// `section`: the page's [data-field="polls"]; `fragmentUrl`: where its fresh copy is read;
// `announce(text)`: says an opening or closing to screen readers (single ballots are not said).
export function livePolls({ section, fragmentUrl, strings, announce }) {
  const latest = new Map(); // poll id -> the newest poll.results event seen
  let reading = null;

  async function reread() {
    const response = await fetch(fragmentUrl, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const freshSection = fresh.querySelector('[data-field="polls"]');
    if (!freshSection) return;
    section.replaceChildren(...[...freshSection.childNodes].map((node) => document.importNode(node, true)));
    section.hidden = freshSection.hidden;
    const renderedAt = Number(freshSection.dataset.seq || 0);
    // Counts that arrived while the copy was on its way are newer than the copy.
    for (const event of latest.values()) if (event.seq > renderedAt) writeResults(section, event.data, strings);
  }

  function read() {
    // One read at a time; a change during it gets one more.
    reading = (reading ?? Promise.resolve()).then(reread).catch((error) => console.warn("Townhall polls:", error));
    return reading;
  }

  return {
    apply(event) {
      switch (event.type) {
        case "poll.results":
          latest.set(event.data.poll, event);
          writeResults(section, event.data, strings);
          return true;
        case "poll.opened":
          announce(format(strings.poll_opened, { question: event.data.question }));
          read();
          return true;
        case "poll.closed":
          announce(format(strings.poll_closed, { question: event.data.question }));
          read();
          return true;
        default:
          return false;
      }
    },
    read,
  };
}
