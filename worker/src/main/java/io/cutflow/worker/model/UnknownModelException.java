package io.cutflow.worker.model;

import java.util.List;

/** A model name that is not in the manifest. */
public class UnknownModelException extends IllegalArgumentException {

  private final List<String> known;

  public UnknownModelException(String name, List<String> known) {
    super("unknown model '" + name + "'; known models: " + String.join(", ", known));
    this.known = List.copyOf(known);
  }

  public List<String> known() {
    return known;
  }
}
