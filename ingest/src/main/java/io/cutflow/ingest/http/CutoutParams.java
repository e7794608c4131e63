package io.cutflow.ingest.http;

import io.cutflow.common.job.JobRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Cutout options from HTTP parameters, under rembg's server names and Cutflow's long names:
 *
 * <table>
 *   <tr><th>rembg</th><th>long name</th><th>meaning</th></tr>
 *   <tr><td>{@code model}</td><td>{@code model}</td><td>model name; absent = the workers' model</td></tr>
 *   <tr><td>{@code om}</td><td>{@code only_mask}</td><td>boolean: return the mask</td></tr>
 *   <tr><td>{@code ppm}</td><td>{@code post_process_mask}</td><td>boolean: smooth the mask</td></tr>
 *   <tr><td>{@code bgc}</td><td>{@code bgcolor}</td><td>{@code R,G,B,A} background colour, each 0..255</td></tr>
 *   <tr><td>{@code a}, {@code af}, {@code ab}, {@code ae}</td><td></td><td>alpha matting: validated, then ignored</td></tr>
 *   <tr><td>{@code extras}</td><td></td><td>rembg's per-model extras: ignored</td></tr>
 * </table>
 * Booleans take what rembg's server (FastAPI) takes: true/false, 1/0, yes/no, on/off.
 * A bad value raises {@link ApiError} 400 naming the parameter.
 *
 * @param ignored the accepted-but-ignored parameters present in the request (for {@code X-Cutflow-Ignored})
 */
public record CutoutParams(JobRequest.Options options, List<String> ignored) {

  /** Parses from a parameter lookup (form field, else query parameter). */
  public static CutoutParams parse(Function<String, String> param) {
    String model = first(param, "model");
    if (model != null) {
      model = model.trim();
      if (model.isEmpty()) {
        model = null;
      } else if (!model.matches("[A-Za-z0-9._-]{1,100}")) {
        throw ApiError.badRequest("invalid_parameter", "model: not a model name: '" + model + "'");
      }
    }
    boolean onlyMask = bool(param, "om", "only_mask");
    boolean postProcess = bool(param, "ppm", "post_process_mask");
    List<Integer> bgcolor = color(param, "bgc", "bgcolor");

    List<String> ignored = new ArrayList<>();
    if (param.apply("a") != null) {
      bool(param, "a");
      ignored.add("a");
    }
    intParam(param, "af", 0, 255, ignored);
    intParam(param, "ab", 0, 255, ignored);
    intParam(param, "ae", 0, Integer.MAX_VALUE, ignored);
    if (param.apply("extras") != null) {
      ignored.add("extras");
    }
    return new CutoutParams(new JobRequest.Options(model, onlyMask, postProcess, bgcolor), List.copyOf(ignored));
  }

  private static String first(Function<String, String> param, String... names) {
    for (String name : names) {
      String v = param.apply(name);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static String nameOf(Function<String, String> param, String... names) {
    for (String name : names) {
      if (param.apply(name) != null) {
        return name;
      }
    }
    return names[0];
  }

  static boolean bool(Function<String, String> param, String... names) {
    String v = first(param, names);
    if (v == null) {
      return false;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on", "t", "y" -> true;
      case "false", "0", "no", "off", "f", "n", "" -> false;
      default -> throw ApiError.badRequest("invalid_parameter",
          nameOf(param, names) + ": expected a boolean (true/false), got '" + v + "'");
    };
  }

  static List<Integer> color(Function<String, String> param, String... names) {
    String v = first(param, names);
    if (v == null || v.isBlank()) {
      return null;
    }
    String text = v.trim();
    // rembg's server takes "R,G,B,A"; also accept the tuple form "(R,G,B,A)"
    if (text.startsWith("(") && text.endsWith(")") || text.startsWith("[") && text.endsWith("]")) {
      text = text.substring(1, text.length() - 1);
    }
    String[] parts = text.split("\\s*,\\s*");
    String name = nameOf(param, names);
    if (parts.length != 4) {
      throw ApiError.badRequest("invalid_parameter",
          name + ": expected R,G,B,A (four integers 0..255), got '" + v + "'");
    }
    try {
      List<Integer> rgba = Arrays.stream(parts).map(s -> Integer.parseInt(s.trim())).toList();
      if (rgba.stream().anyMatch(c -> c < 0 || c > 255)) {
        throw ApiError.badRequest("invalid_parameter", name + ": each of R,G,B,A must be 0..255, got '" + v + "'");
      }
      return rgba;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_parameter",
          name + ": expected R,G,B,A (four integers 0..255), got '" + v + "'");
    }
  }

  private static void intParam(Function<String, String> param, String name, int min, int max, List<String> seen) {
    String v = param.apply(name);
    if (v == null) {
      return;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_parameter", name + ": expected an integer, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw ApiError.badRequest("invalid_parameter", name + ": must be " + min + ".."
          + (max == Integer.MAX_VALUE ? "" : String.valueOf(max)) + ", got " + n);
    }
    seen.add(name);
  }
}
