package io.cutflow.common.config;

/** A configuration value that is unknown, missing or cannot be parsed; the message names the key and where the value came from. */
public final class CutflowConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public CutflowConfigException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
