// Jourbot's web chat on an association's own site. The site includes this one script:
//   <script src="https://CHAT-SERVICE/chat/widget.js?lang=sv" async></script>
// It adds a button; the chat opens over the site in a frame from the chat service (when the
// service lists the site in [webchat] embed_on), or else in a new tab. Nothing is stored on
// the device and nothing is fetched from anywhere else. Quick exit inside the chat replaces
// the site's page too, so Back does not lead to it. Styles are set through the DOM, so the
// site's Content-Security-Policy needs no 'unsafe-inline'.
(function () {
  "use strict";
  var origin = {{ origin|tojson }};
  var address = {{ chat_url|tojson }};
  var words = { open: {{ N_("Chat with us")|tojson }}, close: {{ N_("Close the chat")|tojson }} };
  var script = document.currentScript;
  var inTab = script && script.getAttribute("data-open") === "tab";
  var dir = {{ ("rtl" if rtl else "ltr")|tojson }};
  var frame = null;
  var escapes = [];

  function styled(element, style) {
    Object.keys(style).forEach(function (name) { element.style[name] = style[name]; });
    return element;
  }

  function leave() {
    if (frame) { frame.remove(); }
    window.location.replace({{ exit_url|tojson }});
  }

  function close() {
    if (frame) { frame.remove(); frame = null; }
    opener.focus();
  }

  function open() {
    if (inTab) {
      window.open(address, "_blank", "noopener,noreferrer");
      return;
    }
    if (frame) { return; }
    frame = styled(document.createElement("div"), {
      position: "fixed", insetInlineEnd: "0", bottom: "0", zIndex: "2147483647",
      width: "min(420px, 100vw)", height: "min(640px, 100vh)", background: "#ffffff",
      boxShadow: "0 0 12px rgba(0,0,0,0.35)", display: "flex", flexDirection: "column"
    });
    frame.setAttribute("role", "dialog");
    frame.setAttribute("aria-label", words.open);
    frame.dir = dir;
    var shut = styled(document.createElement("button"), {
      font: "inherit", minHeight: "44px", border: "0", background: "#1b1f24", color: "#ffffff",
      cursor: "pointer"
    });
    shut.type = "button";
    shut.textContent = words.close;
    shut.addEventListener("click", close);
    var chat = styled(document.createElement("iframe"), { border: "0", flex: "1", width: "100%" });
    chat.title = words.open;
    chat.src = address;
    chat.referrerPolicy = "no-referrer";
    frame.appendChild(shut);
    frame.appendChild(chat);
    document.body.appendChild(frame);
    chat.focus();
  }

  // Quick exit in the chat's frame: only a message from the chat's own origin counts.
  window.addEventListener("message", function (event) {
    if (event.origin === origin && event.data && event.data.jourbot === "exit") { leave(); }
  });
  // Escape three times on the site's page while the chat is open: quick exit as in the chat.
  document.addEventListener("keydown", function (event) {
    if (!frame || event.key !== "Escape") { return; }
    var now = Date.now();
    escapes = escapes.filter(function (at) { return now - at < 2000; }).concat([now]);
    if (escapes.length >= 3) { leave(); }
  });

  var opener = styled(document.createElement("button"), {
    position: "fixed", insetInlineEnd: "16px", bottom: "16px", zIndex: "2147483646",
    font: "inherit", fontWeight: "700", minHeight: "44px", padding: "8px 18px", border: "0",
    borderRadius: "22px", background: "#0b5cad", color: "#ffffff", cursor: "pointer"
  });
  opener.type = "button";
  opener.dir = dir;
  opener.textContent = words.open;
  opener.addEventListener("click", open);
  function place() { document.body.appendChild(opener); }
  if (document.body) { place(); } else { document.addEventListener("DOMContentLoaded", place); }
})();
