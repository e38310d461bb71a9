package dev.qnn4j.processor.model;

/**
 * Layer (state-dict) names from method names. PyTorch modules are attributes named in snake_case,
 * so {@code quantInp} becomes {@code quant_inp}: an underscore goes before an upper-case letter
 * that follows a lower-case letter or digit, and before the last capital of an acronym that starts
 * a new word ({@code QKVProj} is {@code qkv_proj}); then everything is lower-cased. Digits and
 * existing underscores are kept, so {@code fc1} stays {@code fc1} and {@code fc_1} stays {@code
 * fc_1}, while {@code Conv1} and {@code conv1} both become {@code conv1} (a duplicate the processor
 * reports).
 */
public final class LayerNames {
  private LayerNames() {}

  public static String snakeCase(String methodName) {
    StringBuilder sb = new StringBuilder(methodName.length() + 4);
    for (int i = 0; i < methodName.length(); i++) {
      char c = methodName.charAt(i);
      if (Character.isUpperCase(c) && i > 0) {
        char prev = methodName.charAt(i - 1);
        boolean nextIsLower =
            i + 1 < methodName.length() && Character.isLowerCase(methodName.charAt(i + 1));
        boolean wordStart =
            Character.isLowerCase(prev)
                || Character.isDigit(prev)
                || (Character.isUpperCase(prev) && nextIsLower);
        if (wordStart) {
          sb.append('_');
        }
      }
      sb.append(Character.toLowerCase(c));
    }
    return sb.toString();
  }
}
