// Web chat: one message at a time, replies read out through the live region.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var log = document.getElementById("log");
  var options = document.getElementById("options");
  var typing = document.getElementById("typing");
  var error = document.getElementById("error");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var attach = document.getElementById("attach");
  var fileInput = document.getElementById("document");
  var url = chat.dataset.url;
  var maxBytes = 50 * 1024 * 1024;

  function add(from, text) {
    var item = document.createElement("li");
    item.className = from;
    item.textContent = (from === "bot" ? "Bot: " : "You: ") + text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
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

  // `keep`: a file sent does not answer the question, so its choices come back after.
  function post(target, headers, body, keep) {
    var before = offered;
    error.textContent = "";
    showOptions([]);
    typing.hidden = false;
    headers["X-CSRFToken"] = chat.dataset.csrf;
    return fetch(target, {
      method: "POST", headers: headers, body: body, credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (result) { return { ok: response.ok, body: result }; });
    }).then(function (result) {
      typing.hidden = true;
      if (!result.ok) {
        error.textContent = result.body.error || "Sorry, that did not send.";
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
      typing.hidden = true;
      showOptions(before);
      error.textContent = "Sorry, that did not send. Please try again. If you are in danger now, call 999.";
    });
  }

  function send(text) {
    add("person", text);
    attach.hidden = true;
    post(url, { "Content-Type": "application/json" }, JSON.stringify({ text: text }), false);
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
    add("person", "[file: " + file.name + "]");
    fileInput.value = "";
    post(chat.dataset.uploadUrl, {}, data, true);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
    var last = [];
    var files = false;
    body.messages.forEach(function (message) {
      add(message.from, message.text);
      last = message.options;
      files = message.files;
    });
    showOptions(last);
    showFiles(files);
  });
})();
