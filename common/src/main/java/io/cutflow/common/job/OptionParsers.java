package io.cutflow.common.job;

import java.util.Locale;

/**
 * The text parsers behind {@link CutoutOptions}' options, one per kind of value: what the CLI, the
 * HTTP parameters and a job's JSON strings all go through, so a bad value gets one message.
 */
public final class OptionParsers {
  private OptionParsers() {}

  /**
   * Parses a colour: {@code R,G,B,A}, or the tuple forms {@code (R,G,B,A)} / {@code [R,G,B,A]}
   * (rembg's CLI and server take the first; Python users type the others).
   */
  public static int[] parseColor(String text) {
    String t = text.trim();
    if (t.startsWith("(") && t.endsWith(")") || t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    String[] parts = t.split("\\s*,\\s*", -1);
    String shape = "expected R,G,B,A (four integers 0..255), got '" + text + "'";
    if (parts.length != 4) {
      throw new IllegalArgumentException(shape);
    }
    int[] rgba = new int[4];
    for (int i = 0; i < 4; i++) {
      try {
        rgba[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(shape);
      }
    }
    for (int c : rgba) {
      if (c < 0 || c > 255) {
        throw new IllegalArgumentException("each of R,G,B,A must be 0..255, got '" + text + "'");
      }
    }
    return rgba;
  }

  /** What rembg's server (FastAPI) takes for a boolean; blank = false. */
  static Boolean parseBoolean(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on", "t", "y" -> true;
      case "false", "0", "no", "off", "f", "n", "" -> false;
      default ->
          throw new IllegalArgumentException(
              "expected a boolean (true/false, 1/0, yes/no, on/off), got '" + text + "'");
    };
  }

  /** A model name as in {@code models/models.json}; blank = the default model. */
  static String parseModel(String text) {
    String model = text.trim();
    if (model.isEmpty()) {
      return null;
    }
    if (!model.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException(
          "not a model name: '"
              + text
              + "' (letters, digits, '.', '_', '-'; see `cutflow models list`)");
    }
    return model;
  }

  /** One of {@link CutoutOptions#CLOTH_CATEGORIES}; blank = all three. */
  static String parseClothCategory(String text) {
    String c = text.trim().toLowerCase(Locale.ROOT);
    if (c.isEmpty()) {
      return null;
    }
    if (!CutoutOptions.CLOTH_CATEGORIES.contains(c)) {
      throw new IllegalArgumentException(
          "expected one of upper, lower, full (or nothing for all three stacked), got '"
              + text
              + "'");
    }
    return c;
  }

  static Integer parseInt(String text, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected an integer, got '" + text + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          "must be "
              + min
              + ".."
              + (max == Integer.MAX_VALUE ? "" : String.valueOf(max))
              + ", got "
              + n);
    }
    return n;
  }
}
