#!/usr/bin/env bash
# Runs the JMH kernel benchmarks (runtime/src/test/java/dev/qnn4j/runtime/bench).
# Extra arguments go to JMH, e.g.: benchmarks/jmh.sh -p layer=conv1 KernelBenchmarks.convForward
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -ntp -DskipTests install -pl annotations,runtime
mvn -B -q -ntp -pl runtime dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh-classpath.txt
# As in ./qnn4j: qnn4j splits work over the cores itself, so native pools run one thread each.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
CP="runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/jmh-classpath.txt)"
exec java -cp "$CP" org.openjdk.jmh.Main "$@"
