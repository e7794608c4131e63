package io.cutflow.worker.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every source of a model failed; the message names each source and why it failed, and how to fix
 * it.
 */
public class ModelFetchException extends IOException {

  private final String model;
  private final List<String> failures;

  public ModelFetchException(ModelSpec spec, Path target, List<String> failures) {
    super(message(spec, target, failures));
    this.model = spec.name();
    this.failures = List.copyOf(failures);
  }

  /** A model that cannot be fetched for a reason of its own (the message says which and why). */
  public ModelFetchException(ModelSpec spec, String message) {
    super(message);
    this.model = spec.name();
    this.failures = List.of();
  }

  private static String message(ModelSpec spec, Path target, List<String> failures) {
    StringBuilder sb = new StringBuilder("could not fetch model '").append(spec.name()).append("'");
    if (failures.isEmpty()) {
      sb.append(": it has no sources");
    } else {
      sb.append(", every source failed:");
      for (String f : failures) {
        sb.append("\n  - ").append(f);
      }
    }
    sb.append(
            "\nTo fix: check network access (and the npm client for npm sources), or place the file at ")
        .append(target.toAbsolutePath());
    spec.checksum().ifPresent(c -> sb.append(" (expected ").append(c).append(')'));
    if (spec.size() != null) {
      sb.append(", ").append(spec.size()).append(" bytes");
    }
    sb.append(" manually.");
    return sb.toString();
  }

  public String model() {
    return model;
  }

  /** One entry per source tried: "&lt;source&gt;: &lt;reason&gt;". */
  public List<String> failures() {
    return failures;
  }
}
