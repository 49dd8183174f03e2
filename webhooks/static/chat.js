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
  var url = chat.dataset.url;

  function add(from, text) {
    var item = document.createElement("li");
    item.className = from;
    item.textContent = (from === "bot" ? "Bot: " : "You: ") + text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function showOptions(labels) {
    options.textContent = "";
    labels.forEach(function (label) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", function () { send(label); });
      options.appendChild(button);
    });
  }

  function send(text) {
    error.textContent = "";
    add("person", text);
    showOptions([]);
    typing.hidden = false;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": chat.dataset.csrf },
      body: JSON.stringify({ text: text }),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      typing.hidden = true;
      if (!result.ok) { error.textContent = result.body.error || "Sorry, that did not send."; return; }
      var last = [];
      result.body.replies.forEach(function (reply) { add("bot", reply.text); last = reply.options; });
      showOptions(last);
      input.focus();
    }).catch(function () {
      typing.hidden = true;
      error.textContent = "Sorry, that did not send. Please try again. If you are in danger now, call 999.";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
    var last = [];
    body.messages.forEach(function (message) { add(message.from, message.text); last = message.options; });
    showOptions(last);
  });
})();
