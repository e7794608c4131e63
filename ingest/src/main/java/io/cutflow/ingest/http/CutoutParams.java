package io.cutflow.ingest.http;

import io.cutflow.common.job.CutoutOption;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.InvalidOptionException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Cutout options from HTTP parameters, under rembg's server names and Cutflow's long names (each
 * option's {@code httpNames} in {@link CutoutOptions#OPTIONS}: {@code model}, {@code om} / {@code
 * only_mask}, {@code ppm} / {@code post_process_mask}, {@code bgc} / {@code bgcolor}, {@code a},
 * {@code af}, {@code ab}, {@code ae} for alpha matting, {@code extras} for the sam prompt). Parsing
 * is {@link CutoutOptions}'s, so the values and messages are the CLI's and Kafka's; a bad value is
 * {@link ApiError} 400 {@code invalid_parameter} naming the parameter as sent.
 *
 * @param ignored the accepted-but-ignored parameters present in the request (for {@code
 *     X-Cutflow-Ignored})
 */
public record CutoutParams(CutoutOptions options, List<String> ignored) {

  /** Parses from a parameter lookup (form field, else query parameter). */
  public static CutoutParams parse(Function<String, String> param) {
    try {
      CutoutOptions.Builder options = CutoutOptions.builder();
      for (CutoutOption o : CutoutOptions.OPTIONS) {
        String name = firstPresent(param, o.httpNames());
        if (name != null) {
          options.parse(o, name, param.apply(name));
        }
      }
      List<String> ignored = new ArrayList<>();
      for (CutoutOption o : CutoutOptions.IGNORED_OVER_HTTP) {
        String name = firstPresent(param, o.httpNames());
        if (name != null) {
          CutoutOptions.builder().parse(o, name, param.apply(name)); // validate only
          ignored.add(name);
        }
      }
      return new CutoutParams(options.build(), List.copyOf(ignored));
    } catch (InvalidOptionException e) {
      throw ApiError.badRequest("invalid_parameter", e.getMessage());
    }
  }

  /** The first of {@code names} the request has (rembg's name wins over the long name). */
  private static String firstPresent(Function<String, String> param, List<String> names) {
    for (String name : names) {
      if (param.apply(name) != null) {
        return name;
      }
    }
    return null;
  }
}
