package io.cutflow.common.job;

/** Cutting text that goes into a Kafka record to a length, so the record stays under its limit. */
final class LongText {
  private LongText() {}

  /**
   * The first {@code max} characters of {@code s} (not half a character outside the Basic
   * Multilingual Plane); {@code s} itself when it is no longer, or null.
   */
  static String start(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max);
  }
}
