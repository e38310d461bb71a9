package dev.qnn4j.samples;

import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.annotations.QuantRules;
import dev.qnn4j.annotations.QuantizeFrom;

/**
 * {@link FloatLeNet} quantized automatically by the rules of the seed's {@link
 * QuantWeightActBiasLeNet}: 4-bit weights, 32-bit biases, the float input quantized to 4 bits by
 * {@code conv1}'s input quantizer, and every ReLU a 4-bit QuantReLU returning QuantTensors. The
 * processor generates {@code QuantModel_AutoLeNet}, whose layers carry FloatLeNet's layer names.
 */
@QuantizeFrom(
    value = FloatLeNet.class,
    rules =
        @QuantRules(
            weightBitWidth = 4,
            bias = BiasRule.INT32,
            inputBitWidth = 4,
            reluBitWidth = 4,
            returnQuantTensor = true))
public abstract class AutoLeNet {}
