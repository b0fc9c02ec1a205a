#!/usr/bin/env bash
# Fails when a test binary holds a case ctest cannot register: catch_discover_tests splits names on
# ';', so such a case becomes phantom ctest entries that match nothing and pass without running.
set -euo pipefail
status=0
for binary in "$@"; do
  names=$("$binary" --list-test-names-only) || true  # Catch v2 exits with the number of cases listed
  [ -n "$names" ] || { echo "$binary: no test cases listed" >&2; status=1; }
  while IFS= read -r name; do
    case "$name" in *";"*) echo "$binary: test name with ';' (ctest would not run it): $name" >&2; status=1 ;; esac
  done <<< "$names"
done
exit $status
