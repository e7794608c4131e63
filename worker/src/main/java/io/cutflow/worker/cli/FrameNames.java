package io.cutflow.worker.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file names of {@code cutflow frames -o SPEC}: rembg {@code b}'s printf-style specifier, which
 * Python fills with the frame's number from 0 ({@code SPEC % index}). One integer conversion, with
 * the flags and width a frame number can use ({@code %d}, {@code %i}, {@code %u}, {@code %04d},
 * {@code %-3d}), and {@code %%} for a percent sign; anything else is refused up front rather than
 * failing at the first frame, as in rembg.
 */
final class FrameNames {
  private static final Pattern CONVERSION = Pattern.compile("%(%|([-0]?)([1-9][0-9]?)?([diu]))");

  private final String before;
  private final String after;
  private final String format;

  private FrameNames(String before, String format, String after) {
    this.before = before;
    this.format = format;
    this.after = after;
  }

  /**
   * @throws IllegalArgumentException naming the fix, when {@code spec} has no frame number, more
   *     than one, or a conversion other than an integer's
   */
  static FrameNames parse(String spec) {
    Matcher m = CONVERSION.matcher(spec);
    StringBuilder before = new StringBuilder();
    StringBuilder after = new StringBuilder();
    String format = null;
    int at = 0;
    while (true) {
      int percent = spec.indexOf('%', at);
      StringBuilder literal = format == null ? before : after;
      if (percent < 0) {
        literal.append(spec, at, spec.length());
        break;
      }
      literal.append(spec, at, percent);
      if (!m.find(percent) || m.start() != percent) {
        throw refused(spec, "'" + spec.substring(percent) + "' is not a frame number");
      }
      if (m.group(1).equals("%")) {
        literal.append('%');
      } else if (format != null) {
        throw refused(spec, "it has more than one frame number");
      } else {
        // a flag means nothing without a width (Python ignores it; Java refuses it)
        format = m.group(3) == null ? "%d" : "%" + m.group(2) + m.group(3) + "d";
      }
      at = m.end();
    }
    if (format == null) {
      throw refused(spec, "it has no frame number, so every frame would get the same file");
    }
    return new FrameNames(before.toString(), format, after.toString());
  }

  private static IllegalArgumentException refused(String spec, String why) {
    return new IllegalArgumentException(
        "-o "
            + spec
            + ": "
            + why
            + "; give one %d (or %04d…) where the frame number goes, e.g. -o"
            + " out/frame-%04d.png");
  }

  /** The file name of frame {@code index} (from 0). */
  String name(int index) {
    return before + String.format(format, index) + after;
  }
}
