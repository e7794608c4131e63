package io.cutflow.common.job;

import java.util.List;

/**
 * A record that cannot be turned into a job: either not JSON ({@link FailureCode#MALFORMED_JSON})
 * or JSON that breaks the schema ({@link FailureCode#SCHEMA_VIOLATION}). Both are permanent: the
 * record belongs on the dead-letter topic.
 */
public final class InvalidJobException extends Exception {
  private static final long serialVersionUID = 1L;

  private final FailureCode failureCode;
  private final List<String> violations;

  public InvalidJobException(
      FailureCode failureCode, String message, List<String> violations, Throwable cause) {
    super(message, cause);
    this.failureCode = failureCode;
    this.violations = List.copyOf(violations);
  }

  /** {@code "malformed_json"} or {@code "schema_violation"}. */
  public String code() {
    return failureCode.code();
  }

  public FailureCode failureCode() {
    return failureCode;
  }

  /**
   * One line per violation, each naming the JSON path, e.g. {@code "$: required property 'job_id'
   * not found"}.
   */
  public List<String> violations() {
    return violations;
  }
}
