// The embed snippet, run on a municipality's own page:
//   <script src="https://<townhall>/static/sessions/embed-loader.js" data-session="12" async></script>
// It puts the session's widget (/embed/sessions/<id>/) in an iframe after itself and sizes the
// iframe to the widget's content. A height is taken only from a message whose origin is this
// Townhall's and whose source is that very iframe: any other page's message is ignored.
// The municipality's site must be listed in its embed origins, or the browser refuses the frame.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var session = String(script.dataset.session || "");
  if (!/^[0-9]+$/.test(session)) {
    console.warn("Townhall: data-session must be a session's number.");
    return;
  }
  var origin = new URL(script.src).origin;
  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/sessions/" + session + "/";
  frame.title = script.dataset.title || "Townhall";
  frame.loading = "lazy";
  frame.style.border = "0";
  frame.style.width = "100%";
  frame.style.height = (Number(script.dataset.height) || 600) + "px";
  frame.dataset.townhallSession = session;
  script.insertAdjacentElement("afterend", frame);

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== "townhall:height" || String(data.session) !== session) return;
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0) return;
    // Never taller than a few screens: a runaway page must not push the host's page away.
    frame.style.height = Math.min(Math.ceil(height), 5000) + "px";
  });
})();
