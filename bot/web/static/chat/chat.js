// Jourbot web chat. Keeps nothing on the device but the chat's pass in sessionStorage (this
// tab only, gone when it closes); no cookie, nothing kept longer. Quick exit (the button, or Esc
// three times) ends the pass on the server and replaces the page, so Back does not return to it.
// Replies come as Server-Sent Events read with fetch (the pass goes in a header, never in the
// address); where a stream cannot be read, by long polling.
"use strict";

(function () {
  var KEY = "chat";
  // A browser that refuses storage to a frame on another site (the widget) keeps the pass in
  // memory: a reload then starts over, which is safe.
  var store = (function () {
    try {
      window.sessionStorage.getItem(KEY);
      return window.sessionStorage;
    } catch (refused) {
      var kept = {};
      return {
        getItem: function (key) { return kept.hasOwnProperty(key) ? kept[key] : null; },
        setItem: function (key, value) { kept[key] = String(value); },
        removeItem: function (key) { delete kept[key]; },
        clear: function () { kept = {}; }
      };
    }
  }());
  var token = store.getItem(KEY);
  var seen = 0;
  var escapes = [];
  var reading = 0; // which read is current: a read from before a new pass stops by itself
  var streamed = false; // a stream has brought something: a failure later is a lost line
  var polling = false; // a stream failed before its first byte (a proxy holds it): poll

  function byId(id) { return document.getElementById(id); }

  function say(status, name) {
    status.textContent = name ? status.getAttribute("data-" + name) : "";
  }

  function leave() {
    var exit = document.body.getAttribute("data-exit") || "about:blank";
    if (token) {
      // keepalive: the request goes on after the page has gone.
      post("/chat/close", { chat: token, seen: seen }, true).catch(function () { return null; });
    }
    try { store.clear(); } catch (ignored) { /* leaving matters more */ }
    token = null;
    document.body.innerHTML = "";
    if (window.parent !== window) {
      // In an association's frame: its page (the widget) leaves too.
      window.parent.postMessage({ jourbot: "exit" }, "*");
    }
    window.location.replace(exit);
  }

  function post(path, body, keepalive) {
    return fetch(path, {
      method: "POST", credentials: "omit", cache: "no-store", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function show(message) {
    var log = byId("log");
    var item = document.createElement("li");
    item.textContent = message.text;
    if (message.lang) { item.lang = message.lang; item.dir = message.rtl ? "rtl" : "ltr"; }
    log.appendChild(item);
    var choices = byId("choices");
    // An answer's button goes away: the focus follows to what came instead, never taken
    // from anywhere else (the message being typed).
    var follow = choices.contains(document.activeElement) || log.contains(document.activeElement);
    choices.innerHTML = "";
    choices.setAttribute("data-step", message.step || "");
    (message.options || []).forEach(function (option) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = option.label;
      button.setAttribute("aria-pressed", option.selected ? "true" : "false");
      button.setAttribute("data-value", option.value);
      if (message.lang) { button.lang = message.lang; }
      button.addEventListener("click", function () {
        post("/chat/say", { chat: token, step: message.step, value: option.value });
      });
      choices.appendChild(button);
    });
    if (message.lang) { document.documentElement.lang = message.lang; document.documentElement.dir = message.rtl ? "rtl" : "ltr"; }
    // Not scrollIntoView: in Chromium it moves where Tab starts, past the quick exit.
    var below = item.getBoundingClientRect().bottom - window.innerHeight;
    if (below > 0) { window.scrollBy(0, below); }
    if (follow) {
      var next = choices.querySelector("button");
      if (!next) { item.tabIndex = -1; next = item; }
      next.focus();
    }
  }

  function mine(text) {
    var item = document.createElement("li");
    item.className = "mine";
    item.textContent = text;
    byId("log").appendChild(item);
  }

  function took(message) {
    if (message.n > seen) { seen = message.n; show(message); }
  }

  function gone(current) {
    if (current !== reading) { return; }
    store.removeItem(KEY);
    token = null;
    start();
  }

  // What the service said after the last message shown: the pass in a header, not the URL.
  function ask(path) {
    return fetch(path + "?after=" + seen, {
      credentials: "omit", cache: "no-store", headers: { "X-Chat": token }
    });
  }

  function lost(current, again) {
    if (current !== reading) { return; }
    say(byId("status"), "lost");
    window.setTimeout(function () { if (current === reading) { again(current); } }, 3000);
  }

  // One stream of events; when it ends, the next (from the last number shown).
  function stream(current) {
    var status = byId("status");
    ask("/chat/events").then(function (response) {
      if (response.status === 404) { return gone(current); }
      if (!response.ok) { throw new Error("events"); }
      if (!response.body || !window.TextDecoder) { return poll(current); }
      say(status, "");
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function next() {
        return reader.read().then(function (part) {
          if (current !== reading) { reader.cancel(); return null; }
          streamed = true;
          if (part.done) { return stream(current); }
          buffer += decoder.decode(part.value, { stream: true });
          var events = buffer.split("\n\n");
          buffer = events.pop();
          for (var i = 0; i < events.length; i += 1) {
            var lines = events[i].split("\n");
            var kind = "message";
            var data = "";
            lines.forEach(function (line) {
              if (line.indexOf("event: ") === 0) { kind = line.slice(7); }
              if (line.indexOf("data: ") === 0) { data += line.slice(6); }
            });
            if (kind === "gone") { reader.cancel(); return gone(current); }
            if (data) { took(JSON.parse(data)); }
          }
          return next();
        });
      }
      return next();
    }).catch(function () {
      // A stream that never got through (a proxy that holds it back): long polling instead.
      if (current === reading && !streamed) { polling = true; return poll(current); }
      return lost(current, stream);
    });
  }

  // Long polling, where a stream cannot be read.
  function poll(current) {
    var status = byId("status");
    ask("/chat/news").then(function (response) {
      if (response.status === 404) { return gone(current); }
      if (!response.ok) { throw new Error("news"); }
      return response.json().then(function (answer) {
        if (current !== reading) { return; }
        say(status, "");
        answer.messages.forEach(took);
        poll(current);
      });
    }).catch(function () { lost(current, poll); });
  }

  function listen() {
    reading += 1;
    if (polling) { poll(reading); } else { stream(reading); }
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function zeroBits(buffer, bits) {
    var bytes = new Uint8Array(buffer);
    for (var i = 0; bits > 0; i += 1, bits -= 8) {
      var mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if (bytes[i] & mask) { return false; }
    }
    return true;
  }

  // Under load the service asks for a small puzzle: a number whose SHA-256 with the challenge
  // starts with so many zero bits. A person waits a moment; a script opening chats pays.
  function solve(challenge, bits, from) {
    var encoder = new TextEncoder();
    var tries = [];
    for (var i = 0; i < 256; i += 1) {
      tries.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + (from + i))));
    }
    return Promise.all(tries).then(function (digests) {
      for (var j = 0; j < digests.length; j += 1) {
        if (zeroBits(digests[j], bits)) { return String(from + j); }
      }
      return solve(challenge, bits, from + 256);
    });
  }

  function start(solved) {
    var status = byId("status");
    var lang = document.body.getAttribute("data-lang");
    var body = lang ? { lang: lang } : {};
    if (solved) { body.challenge = solved.challenge; body.answer = solved.answer; }
    return post("/chat/start", body).then(function (response) {
      if (response.status === 428) {
        say(status, "checking");
        return response.json().then(function (asked) {
          return solve(asked.challenge, asked.bits, 0).then(function (answer) {
            return start({ challenge: asked.challenge, answer: answer });
          });
        });
      }
      if (response.status === 503 || response.status === 429) {
        say(status, "full");
        window.setTimeout(start, 60000);
        return null;
      }
      if (!response.ok) { throw new Error("start"); }
      return response.json().then(function (answer) {
        say(status, "");
        begin(answer.chat);
      });
    }).catch(function () {
      say(status, "lost");
      window.setTimeout(start, 5000);
    });
  }

  function begin(pass) {
    token = pass;
    store.setItem(KEY, token);
    seen = 0;
    listen();
  }

  // Continue a conversation from any browser: the case number and the code.
  function comeBack(event) {
    event.preventDefault();
    var form = event.target;
    var problem = byId("back-problem");
    var reference = byId("reference").value;
    var code = byId("code").value;
    problem.textContent = "";
    post("/chat/return", { reference: reference, code: code }).then(function (response) {
      if (response.status === 429) { problem.textContent = problem.getAttribute("data-locked"); return null; }
      if (!response.ok) { problem.textContent = problem.getAttribute("data-wrong"); return null; }
      return response.json().then(function (answer) {
        var previous = token;
        reading += 1; // the intake this page had begun stops being read ...
        if (previous) { post("/chat/close", { chat: previous, seen: seen }); } // ... and ends
        byId("log").innerHTML = "";
        byId("choices").innerHTML = "";
        form.reset();
        byId("back").open = false;
        begin(answer.chat);
        byId("text").focus();
      });
    }).catch(function () { problem.textContent = problem.getAttribute("data-wrong"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    byId("exit").addEventListener("click", leave);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var now = Date.now();
      escapes = escapes.filter(function (at) { return now - at < 2000; }).concat([now]);
      if (escapes.length >= 3) { leave(); }
    });
    byId("say").addEventListener("submit", function (event) {
      event.preventDefault();
      var box = byId("text");
      var text = box.value.trim();
      if (!text || !token) { return; }
      box.value = "";
      mine(text);
      post("/chat/say", { chat: token, text: text });
    });
    byId("back-form").addEventListener("submit", comeBack);
    if (token) { listen(); } else { start(); }
  });
})();
