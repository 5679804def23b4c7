#!/usr/bin/env python3
"""pip-audit over the pinned requirements, with an exit status CI can trust.

pip-audit exits 0 and prints "No known vulnerabilities found" even when it could audit nothing
(every package "not found on PyPI" because the vulnerability service was unreachable). Here:

- a known vulnerability in any pinned package fails (exit 1);
- a package that could not be audited fails too, unless the service itself is unreachable
  from this machine (checked separately, by asking it about a package that certainly exists):
  then a notice is printed and the audit does not fail (see SECURITY.md, "Dependencies");
- pip-audit failing for any other reason fails.

Usage: .ci/audit_dependencies.py [requirements.txt ...] (PIP_AUDIT=path/to/pip-audit to choose the binary).
Give each file: pip-audit does not follow a file's `-r` includes (requirements-dev.txt's of
requirements.txt), so `make audit` names both.
"""

import json
import os
import subprocess  # nosec B404  # runs pip-audit with a fixed argument list, never through a shell
import sys
import urllib.error
import urllib.request

# The per-release endpoint pip-audit queries by default (with the vulnerabilities of that
# release), asked about a release that certainly exists.
PROBE_URL = "https://pypi.org/pypi/pip/24.0/json"
NOT_AUDITED = "could not be audited"


def service_reachable() -> bool:
    try:
        with urllib.request.urlopen(PROBE_URL, timeout=15) as response:  # nosec B310  # fixed https URL
            return response.status == 200 and "info" in json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main() -> int:
    requirements = sys.argv[1:] or ["requirements.txt"]
    binary = os.environ.get("PIP_AUDIT") or os.path.join(os.path.dirname(sys.executable), "pip-audit")
    # Every line of the requirements files is pinned (==), so no resolution is needed: faster, and
    # the packages audited are exactly the ones installed.
    files = [argument for path in requirements for argument in ("-r", path)]
    command = [binary, *files, "--no-deps", "--disable-pip", "--progress-spinner", "off", "-f", "json"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603  # fixed argument list
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print(f"pip-audit failed (exit {result.returncode}):\n{result.stderr[-3000:]}", file=sys.stderr)
        return 1

    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if NOT_AUDITED in d.get("skip_reason", "")]
    other_skips = [d for d in dependencies if d.get("skip_reason") and d not in skipped]
    audited = len(dependencies) - len(skipped) - len(other_skips)

    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            print(f"VULNERABLE {dependency['name']} {dependency.get('version')}: {vuln['id']} (fixed in {fixed})")
    for dependency in other_skips:
        print(f"skipped {dependency['name']}: {dependency['skip_reason']}")
    print(f"pip-audit: {len(dependencies)} pinned packages, {audited} audited, {len(vulnerable)} vulnerable.")

    if vulnerable:
        return 1
    if skipped:
        if service_reachable():
            print(f"{len(skipped)} packages could not be audited although {PROBE_URL} answers:", file=sys.stderr)
            for dependency in skipped:
                print(f"  {dependency['name']}: {dependency['skip_reason']}", file=sys.stderr)
            return 1
        print(
            f"NOTICE: the vulnerability service ({PROBE_URL}) is unreachable from this machine; "
            f"{len(skipped)} packages were not audited. This does not fail the build: see SECURITY.md, "
            '"Dependencies", for the justification and how the pins are audited instead.'
        )
    if result.returncode not in (0, 1):
        print(f"pip-audit failed (exit {result.returncode}):\n{result.stderr[-3000:]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
