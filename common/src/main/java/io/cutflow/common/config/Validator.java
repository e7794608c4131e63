package io.cutflow.common.config;

/**
 * What values a setting allows. Checked on the parsed value (String, Integer, Long, Short or
 * Boolean, by the key's type), so a bad value fails at start naming the key, the value, where it
 * came from and {@link #allowed() what is allowed}. Implementations are in {@link Validators}.
 */
public interface Validator {
  /** Null when {@code value} is allowed; otherwise what is wrong, e.g. "is below the minimum 1". */
  String problem(Object value);

  /** What is allowed, for error messages and the reference table, e.g. "≥ 1"; empty = anything. */
  String allowed();
}
