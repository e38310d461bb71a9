/**
 * Data-parallel calibration, synchronous QAT, parameter averaging and evaluation on Apache Spark,
 * with the same numbers as one machine. Spark is a {@code provided} dependency; {@code Cluster} is
 * the entry point and exposes no Spark types.
 */
package dev.qnn4j.spark;
