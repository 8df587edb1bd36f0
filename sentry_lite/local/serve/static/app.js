// sentry-lite serve: a little behaviour on top of plain HTML; the pages work without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Filter menus apply as soon as a choice is made.
  document.querySelectorAll("select.auto-submit").forEach(function (menu) {
    menu.addEventListener("change", function () { menu.form.submit(); });
  });
  // Times are written in UTC; show them in the reader's own time zone too.
  document.querySelectorAll("time[datetime]").forEach(function (element) {
    var seconds = parseFloat(element.getAttribute("datetime"));
    if (!isNaN(seconds)) { element.title = new Date(seconds * 1000).toString(); }
  });
  // Keys "e" and "c": expand or collapse every frame of the page.
  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "INPUT" || (event.key !== "e" && event.key !== "c")) { return; }
    document.querySelectorAll("details.frame").forEach(function (frame) {
      frame.open = event.key === "e";
    });
  });
});
