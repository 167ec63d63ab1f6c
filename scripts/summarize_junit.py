"""Adds up pytest's JUnit XML files into one closing line: 'tests: N passed, N failed, N skipped'.

Exits 1 when no test ran at all, so an empty suite never passes silently.
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(paths: list[str]) -> int:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as error:
            print(f"cannot read {path}: {error}", file=sys.stderr)
            continue
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        for suite in suites:
            for key in totals:
                totals[key] += int(suite.get(key, 0))
    failed = totals["failures"] + totals["errors"]
    passed = totals["tests"] - failed - totals["skipped"]
    print(f"tests: {passed} passed, {failed} failed, {totals['skipped']} skipped")
    return 0 if totals["tests"] and not failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
