/**
 * Whole-model transforms, as Brevitas' {@code graph} package: a traced forward ({@code
 * ForwardGraph}, {@code TracedModel}), automated quantization ({@code AutoQuantization} by {@code
 * QuantizationRules}), calibration with Brevitas' {@code calibration_mode} semantics ({@code
 * Calibration}), bias correction and cross-layer equalization.
 */
package dev.qnn4j.runtime.graph;
