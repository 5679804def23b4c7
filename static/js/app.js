// Behaviour for every page, kept out of the HTML so the Content-Security-Policy can forbid
// inline script: buttons marked data-action="print" print the page.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-action='print']");
  if (target) {
    event.preventDefault();
    window.print();
  }
});
