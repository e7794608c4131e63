package io.cutflow.common.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The validators settings are declared with (in the spirit of Kafka's {@code ConfigDef}). */
public final class Validators {
  private Validators() {}

  // Kafka's legal characters for topic names, group ids and group.instance.ids.
  private static final Pattern KAFKA_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  // S3 bucket naming rules (3..63 characters, lower case, digits, dots, hyphens).
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9._-]+):(\\d{1,5})");

  /** Accepts every value. */
  public static Validator any() {
    return of(v -> null, "");
  }

  /** A number ≥ {@code min}. */
  public static Validator atLeast(long min) {
    return of(v -> asLong(v) < min ? "is below the minimum " + min : null, "≥ " + min);
  }

  /** A number in {@code min..max}, both included. */
  public static Validator between(long min, long max) {
    return of(
        v -> asLong(v) < min || asLong(v) > max ? "is outside " + min + ".." + max : null,
        min + ".." + max);
  }

  /** A TCP port, or 0 for an ephemeral one. */
  public static Validator port() {
    return between(0, 65_535);
  }

  /** A string with something other than whitespace in it. */
  public static Validator nonEmpty() {
    return of(v -> String.valueOf(v).isBlank() ? "must not be empty" : null, "non-empty");
  }

  /** One of the given strings (case-insensitive). */
  public static Validator oneOf(String... choices) {
    List<String> list = Arrays.asList(choices);
    return of(
        v ->
            list.contains(String.valueOf(v).trim().toLowerCase(Locale.ROOT))
                ? null
                : "is not one of " + String.join(", ", list),
        "one of " + String.join(", ", list));
  }

  /** {@code host:port[,host:port...]}, as Kafka's bootstrap.servers takes it. */
  public static Validator hostPortList() {
    return of(
        v -> {
          for (String part : String.valueOf(v).split(",", -1)) {
            var m = HOST_PORT.matcher(part.trim());
            if (!m.matches() || Integer.parseInt(m.group(2)) > 65_535) {
              return "is not host:port[,host:port...] ('" + part.trim() + "')";
            }
          }
          return null;
        },
        "host:port[,host:port...]");
  }

  /** An absolute http:// or https:// URL with a host. */
  public static Validator httpUrl() {
    return of(
        v -> {
          try {
            URI uri = new URI(String.valueOf(v).trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
              return "is not an http(s)://host[:port] URL";
            }
            return null;
          } catch (URISyntaxException e) {
            return "is not a URL (" + e.getReason() + ")";
          }
        },
        "http(s) URL");
  }

  /** A Kafka topic name, group id or group.instance.id. */
  public static Validator kafkaName() {
    return matching(KAFKA_NAME, "1..249 of a-z A-Z 0-9 . _ -");
  }

  /** An S3 bucket name. */
  public static Validator bucketName() {
    return matching(BUCKET, "S3 bucket name: 3..63 of a-z 0-9 . -");
  }

  /** Empty, or allowed by {@code then} (for optional settings whose empty value means "derive"). */
  public static Validator emptyOr(Validator then) {
    return of(
        v -> String.valueOf(v).isBlank() ? null : then.problem(String.valueOf(v).trim()),
        "empty or " + then.allowed());
  }

  /** A string matching {@code pattern} as a whole. */
  public static Validator matching(Pattern pattern, String allowed) {
    return of(
        v -> pattern.matcher(String.valueOf(v).trim()).matches() ? null : "is not allowed",
        allowed);
  }

  private static long asLong(Object v) {
    return ((Number) v).longValue();
  }

  private interface Check {
    String problem(Object value);
  }

  private static Validator of(Check check, String allowed) {
    return new Validator() {
      @Override
      public String problem(Object value) {
        return check.problem(value);
      }

      @Override
      public String allowed() {
        return allowed;
      }
    };
  }
}
