"""Print the plain closing line CI reads: 'N passed, N failed, N skipped', over every
JUnit file given (the main run and the shifted-clock run)."""

import sys
import xml.etree.ElementTree as ET


def counts(path: str) -> tuple[int, int, int]:
    """(tests, failed, skipped) of one JUnit file; a missing or broken file is one failure."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        print(f"summary: no test results at {path}: {exc}")
        return 1, 1, 0
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return tests, failed, skipped


def main(paths: list[str]) -> int:
    tests = failed = skipped = 0
    for path in paths:
        t, f, s = counts(path)
        print(f"summary: {path}: {t - f - s} passed, {f} failed, {s} skipped")
        tests, failed, skipped = tests + t, failed + f, skipped + s
    print(f"{tests - failed - skipped} passed, {failed} failed, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
