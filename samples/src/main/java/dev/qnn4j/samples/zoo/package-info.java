/**
 * Brevitas' reference example zoo (bnn_pynq: TFC, SFC, LFC, CNV; ResNet) declared in the DSL, with
 * Brevitas' configurations and state-dict names; the command line also knows them by Brevitas' zoo
 * names ({@code tfc_1w1a}, ...). See docs/zoo.md.
 */
package dev.qnn4j.samples.zoo;
