package dev.qnn4j.processor.model;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LayerNamesTest {
  @ParameterizedTest
  @CsvSource({
    "quantInp, quant_inp",
    "conv1, conv1",
    "Conv1, conv1",
    "fc3, fc3",
    "fc_1, fc_1",
    "downSample2x, down_sample2x",
    "block1Conv2, block1_conv2",
    "QKVProj, qkv_proj",
    "relu, relu",
    "bn1A, bn1_a",
  })
  void snakeCase(String method, String layer) {
    assertThat(LayerNames.snakeCase(method)).isEqualTo(layer);
  }
}
