// Remember the section a learner has reached, so "My learning" can bring them back to it.
// Only comfort: the page works fully without this script.
(function () {
  "use strict";
  var body = document.getElementById("module-body");
  if (!body || !("IntersectionObserver" in window) || !window.fetch) { return; }
  var url = body.getAttribute("data-position-url");
  var token = body.getAttribute("data-csrf");
  var headings = body.querySelectorAll("h2[id], h3[id]");
  var last = null;
  var timer = null;
  function send(id) {
    var data = new URLSearchParams();
    data.append("section", id);
    data.append("csrf_token", token);
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": token } });
  }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting && entry.target.id !== last) {
        last = entry.target.id;
        clearTimeout(timer);
        timer = setTimeout(function () { send(last); }, 1500);
      }
    });
  }, { rootMargin: "0px 0px -60% 0px" });
  headings.forEach(function (h) { observer.observe(h); });
})();
