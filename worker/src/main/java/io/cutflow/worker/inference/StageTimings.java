package io.cutflow.worker.inference;

import java.util.LinkedHashMap;
import java.util.Map;

/** Milliseconds spent in each stage of one image, in the order the stages ran. */
public final class StageTimings {
  public static final String DECODE = "decode";
  public static final String PREPROCESS = "preprocess";
  public static final String INFERENCE = "inference";
  public static final String POSTPROCESS = "postprocess";

  /** Alpha matting (only with {@code -a}): trimap, closed-form alpha, foreground colours. */
  public static final String MATTING = "matting";

  public static final String ENCODE = "encode";

  private final Map<String, Double> ms = new LinkedHashMap<>();

  public void record(String stage, long startNanos) {
    ms.merge(stage, (System.nanoTime() - startNanos) / 1e6, Double::sum);
  }

  public void put(String stage, double millis) {
    ms.put(stage, millis);
  }

  public double get(String stage) {
    return ms.getOrDefault(stage, 0.0);
  }

  public Map<String, Double> asMap() {
    return Map.copyOf(ms);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    ms.forEach((k, v) -> sb.append(k).append('=').append(String.format("%.1f", v)).append("ms "));
    return sb.toString().trim();
  }
}
