#!/usr/bin/env bash
# Runs the JMH kernel benchmarks (runtime/src/test/java/dev/qnn4j/runtime/bench).
# Extra arguments go to JMH, e.g.: benchmarks/jmh.sh -p layer=conv1 KernelBenchmarks.convForward
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -ntp -DskipTests install -pl annotations,runtime
mvn -B -q -ntp -pl runtime dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh-classpath.txt
CP="runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/jmh-classpath.txt)"
exec java -cp "$CP" org.openjdk.jmh.Main "$@"
