package io.cutflow.common.config;

import java.util.List;

/**
 * A configuration value that is unknown, missing, cannot be parsed or is not allowed; the message
 * names the key, the value, where it came from and what is allowed. An {@link
 * IllegalArgumentException}, so the CLI reports it as a user error (one line, exit 2).
 */
public final class CutflowConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public CutflowConfigException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  /** Several bad keys at once (each message already names its key); {@link #key()} is the first. */
  CutflowConfigException(String firstKey, List<String> messages, boolean several) {
    super(
        messages.size() == 1
            ? messages.get(0)
            : "invalid configuration: " + String.join("; ", messages));
    this.key = firstKey;
  }

  public String key() {
    return key;
  }
}
