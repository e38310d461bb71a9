#!/usr/bin/env bash
# Regenerates the checked-in seed corpora of the fuzz tests (a tool, not a test; see RELIABILITY.md):
# dev.qnn4j.runtime.fuzz.FuzzSeedsWriter (runtime readers) and dev.qnn4j.export.fuzz.OnnxSeedsWriter
# (ONNX reader). Review the changes with git diff before committing them.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$ROOT"
run() { # module main-class
  local module="$1" main="$2" cp
  cp="$(mktemp)"
  # Compiling in the same run lets the reactor put the sibling modules' classes on the class path.
  mvn -B -q -ntp -DskipTests test-compile dependency:build-classpath -pl "$module" -am \
      -Dmdep.includeScope=test -Dmdep.outputFile="$cp" >/dev/null
  (cd "$ROOT/$module" && java -cp "target/test-classes:target/classes:$(cat "$cp")" "$main")
  rm -f "$cp"
}
run runtime dev.qnn4j.runtime.fuzz.FuzzSeedsWriter
run export dev.qnn4j.export.fuzz.OnnxSeedsWriter
git -C "$ROOT" status --short -- '*/src/test/resources/*/fuzz/*'
