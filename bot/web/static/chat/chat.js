// Jourbot web chat. Keeps nothing on the device but the chat's token in sessionStorage (this
// tab only, gone when it closes); no cookie, nothing kept longer. Quick exit (the button, or Esc
// three times) replaces the page, so Back does not return to it.
"use strict";

(function () {
  var KEY = "chat";
  var token = sessionStorage.getItem(KEY);
  var seen = 0;
  var escapes = [];

  function leave() {
    try { sessionStorage.clear(); } catch (ignored) { /* leaving matters more */ }
    document.body.innerHTML = "";
    window.location.replace(document.body.getAttribute("data-exit") || "about:blank");
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function show(message) {
    var log = document.getElementById("log");
    var item = document.createElement("li");
    item.textContent = message.text;
    if (message.lang) { item.lang = message.lang; item.dir = message.rtl ? "rtl" : "ltr"; }
    log.appendChild(item);
    var choices = document.getElementById("choices");
    choices.innerHTML = "";
    (message.options || []).forEach(function (option) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = option.label;
      button.setAttribute("aria-pressed", option.selected ? "true" : "false");
      if (message.lang) { button.lang = message.lang; }
      button.addEventListener("click", function () {
        post("/chat/say", { chat: token, step: message.step, value: option.value });
      });
      choices.appendChild(button);
    });
    if (message.lang) { document.documentElement.lang = message.lang; document.documentElement.dir = message.rtl ? "rtl" : "ltr"; }
    item.scrollIntoView({ block: "end" });
  }

  function mine(text) {
    var item = document.createElement("li");
    item.className = "mine";
    item.textContent = text;
    document.getElementById("log").appendChild(item);
  }

  function listen() {
    var status = document.getElementById("status");
    fetch("/chat/news?after=" + seen, {
      credentials: "omit", cache: "no-store", headers: { "X-Chat": token }
    }).then(function (response) {
      if (response.status === 404) { sessionStorage.removeItem(KEY); token = null; return start(); }
      if (!response.ok) { throw new Error("news"); }
      return response.json().then(function (answer) {
        status.textContent = "";
        answer.messages.forEach(function (message) { seen = message.n; show(message); });
        listen();
      });
    }).catch(function () {
      status.textContent = status.getAttribute("data-lost");
      window.setTimeout(listen, 3000);
    });
  }

  function start() {
    var lang = document.body.getAttribute("data-lang");
    return post("/chat/start", lang ? { lang: lang } : {})
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        token = answer.chat;
        sessionStorage.setItem(KEY, token);
        seen = 0;
        listen();
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("exit").addEventListener("click", leave);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var now = Date.now();
      escapes = escapes.filter(function (at) { return now - at < 2000; }).concat([now]);
      if (escapes.length >= 3) { leave(); }
    });
    document.getElementById("say").addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.getElementById("text");
      var text = box.value.trim();
      if (!text || !token) { return; }
      box.value = "";
      mine(text);
      post("/chat/say", { chat: token, text: text });
    });
    if (token) { listen(); } else { start(); }
  });
})();
