// Web chat: one message at a time, replies read out through the live region.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var log = document.getElementById("log");
  var options = document.getElementById("options");
  var typing = document.getElementById("typing");
  var error = document.getElementById("error");
  var status = document.getElementById("status");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var attach = document.getElementById("attach");
  var fileInput = document.getElementById("document");
  var endButton = document.getElementById("end");
  var leave = document.getElementById("leave");
  var url = chat.dataset.url;
  var maxBytes = 50 * 1024 * 1024;

  // The newest message seen from the server: a practitioner's words after it are fetched.
  var lastId = 0;
  var pollSeconds = 10;
  // Counts the chats this page has ended: an answer to something sent before the chat
  // ended belongs to a conversation that is gone from this screen, and is not shown.
  var ended = 0;

  function add(from, text, author) {
    var item = document.createElement("li");
    item.className = from;
    var who = from === "bot" ? "Bot: " : from === "practitioner" ? author + " (the team): " : "You: ";
    item.textContent = who + text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  var offered = [];

  function showOptions(labels) {
    offered = labels;
    options.textContent = "";
    labels.forEach(function (label) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", function () { send(label); });
      options.appendChild(button);
    });
  }

  // The upload control is offered while the bot is asking for documents.
  function showFiles(wanted) {
    if (wanted) { attach.hidden = false; return; }
    if (!attach.contains(document.activeElement)) { attach.hidden = true; }
  }

  // What the server did not take comes off the screen (typed words go back in the box),
  // so nothing looks sent that was not.
  function withdraw(sent) {
    if (sent.item.parentNode) { sent.item.parentNode.removeChild(sent.item); }
    if (sent.text && !input.value) { input.value = sent.text; }
  }

  // `keep`: a file sent does not answer the question, so its choices come back after.
  function post(target, headers, body, keep, sent) {
    var before = offered;
    var chatNumber = ended;
    error.textContent = "";
    status.textContent = "";
    showOptions([]);
    typing.hidden = false;
    headers["X-CSRFToken"] = chat.dataset.csrf;
    return fetch(target, {
      method: "POST", headers: headers, body: body, credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (result) { return { ok: response.ok, body: result }; });
    }).then(function (result) {
      if (chatNumber !== ended) { return; }
      typing.hidden = true;
      if (!result.ok) {
        error.textContent = result.body.error || "Sorry, that did not send.";
        withdraw(sent);
        showOptions(before);
        return;
      }
      var last = [];
      var files = false;
      result.body.replies.forEach(function (reply) {
        add("bot", reply.text);
        last = reply.options;
        files = files || reply.files;
      });
      showOptions(keep && !last.length ? before : last);
      showFiles(files || !attach.hidden);
      input.focus();
    }).catch(function () {
      if (chatNumber !== ended) { return; }
      typing.hidden = true;
      withdraw(sent);
      showOptions(before);
      error.textContent = "Sorry, that did not send. Please try again. If you are in danger now, call 999.";
    });
  }

  function send(text) {
    var item = add("person", text);
    attach.hidden = true;
    post(url, { "Content-Type": "application/json" }, JSON.stringify({ text: text }), false,
      { item: item, text: text });
  }

  attach.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = fileInput.files[0];
    if (!file) { error.textContent = "Please choose a file to send."; fileInput.focus(); return; }
    if (file.size > maxBytes) {
      error.textContent = "That file is too big: the limit is 50 MB a file.";
      return;
    }
    var data = new FormData();
    data.append("document", file);
    var item = add("person", "[file: " + file.name + "]");
    fileInput.value = "";
    post(chat.dataset.uploadUrl, {}, data, true, { item: item, text: "" });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  // Nothing of the conversation is left on the screen; answers still on their way are
  // not shown when they come.
  function clearScreen() {
    ended += 1;
    lastId = 0;
    log.textContent = "";
    showOptions([]);
    attach.hidden = true;
    fileInput.value = "";
    input.value = "";
    typing.hidden = true;
    error.textContent = "";
    status.textContent = "";
  }

  // The server ends the conversation and the cookie forgets it. `leaving`: the page is
  // about to go, so the request must outlive it (keepalive, else a beacon).
  function endOnServer(leaving) {
    var target = chat.dataset.endUrl;
    if (leaving && !("keepalive" in Request.prototype) && navigator.sendBeacon) {
      var fields = new FormData();
      fields.append("csrf_token", chat.dataset.csrf);
      navigator.sendBeacon(target, fields);
      return Promise.resolve(null);
    }
    return fetch(target, {
      method: "POST",
      headers: { "X-CSRFToken": chat.dataset.csrf },
      credentials: "same-origin",
      keepalive: leaving
    });
  }

  // Leave at once: the chat is cleared and ended on the way out, and the chat page is
  // replaced in the history, so Back does not come here.
  leave.addEventListener("click", function (event) {
    event.preventDefault();
    clearScreen();
    endOnServer(true).catch(function () { /* gone already; the server may still end it */ });
    window.location.replace(leave.href);
  });

  endButton.addEventListener("click", function () {
    clearScreen();
    endButton.disabled = true;
    endOnServer(false).then(function (response) {
      if (!response.ok) { throw new Error("not ended"); }
      return response.json();
    }).then(function (body) {
      status.textContent = body.message;
    }).catch(function () {
      error.textContent = chat.dataset.endFailed;
    }).then(function () {
      endButton.disabled = false;
      input.focus();
    });
  });

  var loading = ended;
  fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
    var last = [];
    var files = false;
    window.setInterval(listen, pollSeconds * 1000);
    if (loading !== ended) { return; }
    body.messages.forEach(function (message) {
      add(message.from, message.text, message.author);
      last = message.options;
      files = message.files;
      lastId = Math.max(lastId, message.id);
    });
    showOptions(last);
    showFiles(files);
  });

  // A practitioner who has taken the conversation over writes when they write: ask for
  // their words every few seconds (not while the page is hidden).
  function listen() {
    if (document.hidden) { return; }
    var chatNumber = ended;
    fetch(url + "?after=" + lastId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (body) {
        if (chatNumber !== ended) { return; }
        body.messages.forEach(function (message) {
          add(message.from, message.text, message.author);
          lastId = Math.max(lastId, message.id);
        });
      })
      .catch(function () { /* the next look will try again */ });
  }
})();
