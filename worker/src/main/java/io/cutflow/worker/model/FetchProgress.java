package io.cutflow.worker.model;

/** Progress callback for model downloads; called from the fetching thread. */
@FunctionalInterface
public interface FetchProgress {

  /** Does nothing. */
  FetchProgress NONE = (done, total) -> {};

  /**
   * @param bytesSoFar bytes received or written so far for the current step
   * @param total expected total bytes, or {@code -1} when unknown
   */
  void update(long bytesSoFar, long total);

  /**
   * A new phase of the fetch has started (e.g. "npm pack", "extract", "verify"); the default
   * ignores it.
   */
  default void phase(String description) {}
}
