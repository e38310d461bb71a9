/**
 * Sample models in the DSL: the seed tutorial's three quantized LeNets, the float LeNet and {@code
 * AutoLeNet}, derived from it by {@code @QuantizeFrom}.
 */
package dev.qnn4j.samples;
