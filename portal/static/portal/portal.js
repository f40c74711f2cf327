// Keeps the language switch's "next" in step with the address after htmx pushes a search
// into the history, so switching language keeps the search the user is looking at.
document.addEventListener("htmx:pushedIntoHistory", function () {
  var here = window.location.pathname + window.location.search;
  document.querySelectorAll('.lang-switch input[name="next"]').forEach(function (input) {
    input.value = here;
  });
});
