/* Forms in Chinese whatever the browser's language (review U15: an English browser showed its own
   "Please fill out this field" and "Choose File / No file chosen").
   - Every form carries `novalidate` in its template (tests/web/test_form_texts.py), so the server's
     Chinese errors, placed at their fields, are the only ones; this script sets it again on forms
     that arrive by htmx.
   - A file input gets a Chinese button "选择文件" and the chosen file's name ("未选择文件" before):
     the native control stays in the page (visually hidden, still focusable and labelled), so the
     form posts the same field and a keyboard or screen reader reaches it as before.
   Without script the page still works: the native control shows. */
(function () {
  "use strict";
  function names(input) {
    var files = input.files ? Array.prototype.map.call(input.files, function (f) { return f.name; }) : [];
    return files.length ? files.join("、") : "未选择文件";
  }
  function dress(input) {
    if (input.dataset.picker) return;
    input.dataset.picker = "1";
    var box = document.createElement("span");
    box.className = "file-picker";
    var button = document.createElement("span");
    button.className = "file-picker-button";
    button.setAttribute("aria-hidden", "true");
    button.textContent = "选择文件";
    var chosen = document.createElement("span");
    chosen.className = "file-picker-name";
    chosen.setAttribute("aria-live", "polite");
    chosen.textContent = names(input);
    input.parentNode.insertBefore(box, input);
    box.appendChild(input);
    box.appendChild(button);
    box.appendChild(chosen);
    input.classList.add("file-picker-input");
    // Inside its <label>, a click on the button already opens the chooser; elsewhere the button does.
    if (!input.closest("label")) button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () { chosen.textContent = names(input); });
  }
  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("form"), function (f) { f.noValidate = true; });
    if (scope.tagName === "FORM") scope.noValidate = true;
    Array.prototype.forEach.call(scope.querySelectorAll("input[type=file]"), dress);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
