package io.cutflow.common.job;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One option of a cutout, as {@link CutoutOptions#OPTIONS} declares it: its names on every surface,
 * its value's shape, default and parser.
 *
 * @param name JSON name in {@code options} (snake_case); also the name in errors from Kafka
 * @param cliNames rembg's CLI flags; empty = not on the command line
 * @param httpNames rembg's server name first, then Cutflow's long name
 * @param kind the value's shape
 * @param paramLabel the CLI's placeholder for the value
 * @param help one line for {@code --help}
 * @param defaultValue the value when absent
 * @param parser text (CLI argument, HTTP parameter) to value; throws IllegalArgumentException whose
 *     message says what is wrong, without the option's name
 */
public record CutoutOption(
    String name,
    List<String> cliNames,
    List<String> httpNames,
    Kind kind,
    String paramLabel,
    String help,
    Object defaultValue,
    Function<String, Object> parser) {

  /** A value's shape: decides picocli's arity and which JSON type is accepted. */
  public enum Kind {
    TEXT,
    BOOLEAN,
    COLOUR,
    INTEGER,
    ANY,
    /** rembg's extras JSON as text (CLI, HTTP); in a job, the structure it holds. */
    JSON
  }

  /** Parses a text value; blank means the default. */
  public Object parse(String text) {
    return parser.apply(text);
  }

  /** Checks a value bound from JSON or built in Java; returns it normalised. */
  public Object check(Object value) {
    if (value == null) {
      return defaultValue;
    }
    if (kind == Kind.JSON) {
      return SamPromptOption.check(value);
    }
    if (kind == Kind.BOOLEAN) {
      if (value instanceof Boolean) {
        return value;
      }
      // JSON has real booleans: the text spellings (yes, on, 1) are for CLI and HTTP only
      throw new IllegalArgumentException("expected a boolean (true/false), got '" + value + "'");
    }
    // the same parser as for text, so a JSON [300,0,0,0] fails like "300,0,0,0"
    String text =
        value instanceof List<?> list
            ? list.stream().map(String::valueOf).collect(Collectors.joining(","))
            : String.valueOf(value);
    return parse(text);
  }
}
