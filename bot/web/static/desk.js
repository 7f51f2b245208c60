// Jourbot desk: live refresh of marked parts, and passkeys. No framework, no inline script
// (the Content-Security-Policy forbids it); every page works without this file for reading.
"use strict";

(function () {
  function refresh(element) {
    var url = element.getAttribute("data-refresh");
    var seconds = parseInt(element.getAttribute("data-every") || "10", 10);
    var busy = false;
    window.setInterval(function () {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "desk" } })
        .then(function (response) {
          // Signed out meanwhile (timed out, deactivated): the whole page goes to sign in.
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok && !response.redirected ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== element.getAttribute("data-last")) {
            element.setAttribute("data-last", html);
            element.innerHTML = html;
          }
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ })
        .finally(function () { busy = false; });
    }, seconds * 1000);
  }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) { out.response.userHandle = toText(response.userHandle); }
    }
    return JSON.stringify(out);
  }

  function post(url, body, token) {
    var headers = { "Content-Type": "application/json" };
    if (token) { headers["X-CSRF-Token"] = token; }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body || "" });
  }

  function registerPasskey(button) {
    var status = document.getElementById("passkey-status");
    var token = button.getAttribute("data-csrf");
    post("/desk/account/passkeys/options", "", token)
      .then(function (response) { if (!response.ok) { throw new Error("options"); } return response.json(); })
      .then(function (options) {
        options.challenge = toBytes(options.challenge);
        options.user.id = toBytes(options.user.id);
        (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        return navigator.credentials.create({ publicKey: options });
      })
      .then(function (credential) { return post("/desk/account/passkeys", credentialJSON(credential), token); })
      .then(function (response) {
        status.textContent = status.getAttribute(response.ok ? "data-done" : "data-failed");
      })
      .catch(function () { status.textContent = status.getAttribute("data-failed"); });
  }

  function signInWithPasskey(button) {
    var result = document.getElementById("passkey-result");
    var next = button.getAttribute("data-next") || "/desk/";
    post("/desk/passkey/options", "")
      .then(function (response) { if (!response.ok) { throw new Error("options"); } return response.json(); })
      .then(function (options) {
        options.challenge = toBytes(options.challenge);
        (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        return navigator.credentials.get({ publicKey: options });
      })
      .then(function (credential) {
        return post("/desk/passkey/sign-in?next=" + encodeURIComponent(next), credentialJSON(credential));
      })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.ok) { window.location.assign(answer.next); return; }
        result.textContent = result.getAttribute("data-failed");
      })
      .catch(function () { result.textContent = result.getAttribute("data-failed"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refresh]"), refresh);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    var register = document.getElementById("passkey-register");
    if (register) { register.addEventListener("click", function () { registerPasskey(register); }); }
    var signIn = document.getElementById("passkey-sign-in");
    if (signIn) {
      if (!window.PublicKeyCredential) { signIn.disabled = true; }
      signIn.addEventListener("click", function () { signInWithPasskey(signIn); });
    }
  });
})();
