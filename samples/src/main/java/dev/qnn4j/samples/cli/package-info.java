/**
 * The {@code qnn4j} command line (picocli): {@code demo}, {@code train}, {@code calibrate}, {@code
 * eval}, {@code predict}, {@code export}, {@code inspect}, {@code bench} and {@code models}, with
 * the presentation they need (progress bar, summary table, training curve). Bad input is one line
 * and exit code 2; {@code CliJar} is the runnable jar's launcher.
 */
package dev.qnn4j.samples.cli;
