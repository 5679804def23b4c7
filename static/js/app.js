// Behaviour for every page, kept out of the HTML so the Content-Security-Policy can forbid
// inline script: buttons marked data-action="print" print the page.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-action='print']");
  if (target) {
    event.preventDefault();
    window.print();
  }
});

// A printout shows everything: collapsed <details> (e.g. the standards page's per-township
// village lists, collapsed to keep the page short on a phone) open before printing and close
// again afterwards. CSS alone cannot reveal a closed <details>' content in every browser.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open])").forEach(function (details) {
    details.setAttribute("data-print-opened", "");
    details.open = true;
  });
});
window.addEventListener("afterprint", function () {
  document.querySelectorAll("details[data-print-opened]").forEach(function (details) {
    details.removeAttribute("data-print-opened");
    details.open = false;
  });
});
