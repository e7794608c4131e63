package io.cutflow.common.job;

/**
 * A cutout option with a bad value. The message is {@code <name as given>: <problem>}; the problem
 * text comes from {@link CutoutOptions} alone, so the CLI, HTTP and Kafka say the same.
 */
public final class InvalidOptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String option;
  private final String problem;

  public InvalidOptionException(String option, String problem) {
    super(option + ": " + problem);
    this.option = option;
    this.problem = problem;
  }

  /** The option as the caller spelled it ({@code -bgc}, {@code bgc}, {@code options.bgcolor}). */
  public String option() {
    return option;
  }

  /** What is wrong and what would be right, without the option's name. */
  public String problem() {
    return problem;
  }
}
