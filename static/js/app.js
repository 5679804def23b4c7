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

// The running header and footer of a printable page ({% print_frame %}, static/css/print.css):
// an @page margin box shows only what a style rule says, so the frame's texts become one
// constructed style sheet (the Content-Security-Policy forbids <style> in the page, not this).
(function () {
  var frame = document.getElementById("print-frame");
  if (!frame || !window.CSSStyleSheet || !document.adoptedStyleSheets) {
    return;
  }
  function text(value) {
    return '"' + String(value).replace(/[\\"]/g, "\\$&").replace(/[\r\n]+/g, " ") + '"';
  }
  var data = frame.dataset;
  var title = data.title || document.title.split(" · ")[0];
  var heading = data.filters ? title + " · " + data.filters : title;
  var sheet = new CSSStyleSheet({ media: "print" });
  sheet.replaceSync(
    "@page { @top-left { content: " + text(data.office) + "; } @top-right { content: " + text(heading) +
      "; } @bottom-left { content: " + text(data.printed) + "; } }"
  );
  document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
})();

// The main menu (templates/base.html). On a phone the 菜单 button shows or hides the whole menu
// (aria-expanded says which). Each work area is a <details>: opening one closes the others
// (as name="main-nav" does in newer browsers), and a click elsewhere or Escape closes it.
(function () {
  var header = document.querySelector(".site-header");
  var toggle = document.getElementById("nav-toggle");
  var nav = document.getElementById("main-nav");
  if (!header || !toggle || !nav) {
    return;
  }
  var groups = nav.querySelectorAll("details");

  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("nav-open", open);
  });

  groups.forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open) {
        return;
      }
      groups.forEach(function (other) {
        if (other !== details && other.open) {
          other.open = false;
        }
      });
    });
  });

  function closeGroups() {
    groups.forEach(function (details) {
      details.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    if (!nav.contains(event.target)) {
      closeGroups();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = nav.querySelector("details[open]");
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    } else if (toggle.getAttribute("aria-expanded") === "true") {
      toggle.click();
      toggle.focus();
    }
  });
})();

// A form sent to the server is checked there, and a refused one comes back with the error summary
// below, listing every field to fix. The browser's own checks (required, pattern, min/max) would
// stop the submit at the first empty field with a bubble that names one field and fades: leave
// the checking to the server. Without script the browser's checks stay, as nothing would move
// the focus to the summary.
document.querySelectorAll("form[method='post' i]").forEach(function (form) {
  form.noValidate = true;
});

// After a rejected submit the page opens on the form's error summary (includes/error_summary.html):
// focus moves there so the keyboard and the screen reader start at the list of what to fix.
// A form posted from a page reached through the skip link comes back with #main in its address,
// and going to that fragment as the page finishes loading moves the focus to <body>: take it back
// then, unless the user has moved it already.
// An action posted from a page (a return reason, a rectification's report: pilot_admin/actions.py)
// that the server refuses comes back to the page with the refusal among its messages: the focus
// starts there, the same way.
(function () {
  var summary = document.querySelector("[data-error-summary]");
  var refusal = document.querySelector(".messages .message.error");
  var start = summary || (refusal && refusal.parentElement);
  if (!start) {
    return;
  }
  if (!summary) {
    start.setAttribute("tabindex", "-1");
  }
  start.focus();
  window.addEventListener("load", function () {
    if (document.activeElement === document.body) {
      start.focus();
    }
  });
  if (!summary) {
    return;
  }
  // A link of the summary focuses its field, with the field's label scrolled into view, and
  // leaves the address alone (a #id_x there would take the focus on the next refused submit).
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    (field.closest(".field, fieldset, tr") || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
})();

// A wide table scrolls inside its .table-wrap box, which the templates make a labelled, focusable
// region (role="region", tabindex="0") so the keyboard can scroll it. A box whose table fits
// needs no tab stop: drop it while the table fits, give it back when it overflows (a narrower
// window). Without script every box keeps its tab stop.
(function () {
  var boxes = document.querySelectorAll(".table-wrap[tabindex]");
  if (!boxes.length || !window.ResizeObserver) {
    return;
  }
  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var box = entry.target;
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
      } else if (document.activeElement !== box) {
        box.removeAttribute("tabindex");
      }
    });
  });
  boxes.forEach(function (box) {
    observer.observe(box);
  });
})();
