"""axe-core (the npm registry's package, pinned in package-lock.json and installed by
`make install-dev` into node_modules/) run inside a page of the browser tests, on the WCAG 2.1
A and AA rules. The pages' Content-Security-Policy allows no outside or inline script, so the
file's text is evaluated through the DevTools protocol, which the page's CSP does not govern."""

import json
from pathlib import Path

from tests.e2e.conftest import _unavailable

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# Rules left out, each with the reason it cannot apply here (none so far).
EXCLUDED_RULES: dict[str, str] = {}

_RUN = """async ([context, tags, rules, excluded]) => {
  const runOnly = rules.length ? {type: 'rule', values: rules} : {type: 'tag', values: tags};
  const results = await axe.run(context || document, {
    runOnly,
    rules: Object.fromEntries(excluded.map(id => [id, {enabled: false}])),
    // The tour needs the violations only (faster); a check of a few rules counts what passed.
    resultTypes: rules.length ? ['violations', 'passes'] : ['violations'],
  });
  return {
    violations: results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
      count: v.nodes.length,
    })),
    passed: results.passes.reduce((sum, rule) => sum + rule.nodes.length, 0),
  };
}"""


def _axe_source() -> str:
    if not AXE_JS.exists():
        _unavailable(f"axe-core is not installed at {AXE_JS} (run `make install-dev`)")
    return AXE_JS.read_text(encoding="utf-8")


def axe_results(page, *, context: str | None = None, rules: tuple[str, ...] = ()) -> dict:
    """axe's verdict on the page (or on the elements `context` selects): WCAG 2.1 A/AA rules, or
    only `rules`. {"violations": readable lines, "passed": how many elements passed a rule}."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(_RUN, [context, list(WCAG_21_AA), list(rules), list(EXCLUDED_RULES)])
    lines = [
        f"{v['id']} ({v['impact']}, {v['count']}×): {v['help']} — "
        + json.dumps([(n["target"], n["summary"]) for n in v["nodes"]], ensure_ascii=False)
        for v in result["violations"]
    ]
    return {"violations": lines, "passed": result["passed"]}


def axe_violations(page) -> list[str]:
    """The page's WCAG 2.1 A/AA violations as readable lines (empty when it passes)."""
    return axe_results(page)["violations"]
