// Authoring comfort: a live preview of the module text as you type, and lens-block buttons
// that insert at the cursor. Only comfort: without this script the Preview and Insert
// buttons post the form and the server does the same.
(function () {
  "use strict";
  var editor = document.getElementById("editor");
  var body = document.getElementById("body");
  var preview = document.getElementById("preview");
  if (!editor || !body) { return; }
  var url = editor.getAttribute("data-preview-url");
  var token = editor.getAttribute("data-csrf");
  var timer = null;
  var sent = 0;

  function refresh() {
    if (!preview || !window.fetch || !url) { return; }
    var number = ++sent;
    var data = new URLSearchParams();
    data.append("body", body.value);
    data.append("csrf_token", token);
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      // The server rendered and sanitised this HTML, exactly as learners get it.
      if (html !== null && number === sent) { preview.innerHTML = html; }
    }).catch(function () { /* keep the last preview */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  }

  body.addEventListener("input", later);

  var placeholders = {
    gender: editor.getAttribute("data-gender-text") || "Text for learners with the gender lens on.",
    age: editor.getAttribute("data-age-text") || "Text for learners with the age lens on."
  };
  var buttons = editor.querySelectorAll("[data-insert-lens]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var lens = button.getAttribute("data-insert-lens");
      var start = body.selectionStart || 0;
      var end = body.selectionEnd || 0;
      var before = body.value.slice(0, start);
      var selected = body.value.slice(start, end) || placeholders[lens];
      var after = body.value.slice(end);
      var lead = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
      var block = "::: lens " + lens + "\n" + selected + "\n:::\n";
      var tail = after === "" || /^\n/.test(after) ? "" : "\n";
      body.value = before + lead + block + tail + after;
      var caret = (before + lead + "::: lens " + lens + "\n").length;
      body.focus();
      body.setSelectionRange(caret, caret + selected.length);
      later();
    });
  });

  if (preview && preview.getAttribute("data-empty") === "true") { refresh(); }
})();
