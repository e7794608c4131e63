package io.cutflow.ingest.cli;

import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.ops.StartupWait;
import java.util.function.Supplier;

/**
 * Kafka or the object store did not answer a command that does not wait for it ({@code cutflow
 * ingest}, {@code cutflow watch}): the CLI prints its message as one line, which names the address
 * tried, what failed and the fix, where a terminal user used to get a Java stack trace. Services
 * wait instead ({@link StartupWait}).
 */
public final class DependencyUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private DependencyUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Runs {@code connect}; a failure that says Kafka or the object store did not answer (as {@link
   * StartupWait} tells them) comes out as this exception, any other failure as it was.
   */
  public static <T> T connecting(CutflowConfig config, Supplier<T> connect) {
    try {
      return connect.get();
    } catch (RuntimeException e) {
      Throwable unresolved = unresolvedBootstrap(e);
      if (unresolved != null) {
        ConfigKey setting = StartupWait.Dependency.KAFKA.setting();
        throw new DependencyUnavailableException(
            "Kafka at "
                + config.getString(setting)
                + " cannot be found: none of its host names resolves ("
                + unresolved.getMessage()
                + "). Fix: check the names in "
                + setting.name()
                + " ("
                + setting.envName()
                + ")",
            e);
      }
      StartupWait.Dependency d = StartupWait.Dependency.thatDidNotAnswer(e);
      if (d == null) {
        throw e;
      }
      String address = config.getString(d.setting());
      throw new DependencyUnavailableException(
          d.title()
              + " at "
              + address
              + " does not answer ("
              + e.getMessage()
              + "). Fix: start it, or set "
              + d.setting().name()
              + " ("
              + d.setting().envName()
              + ") to where it runs",
          e);
    }
  }

  /** The Kafka clients' refusal of bootstrap names that do not resolve, in {@code e}; else null. */
  private static Throwable unresolvedBootstrap(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (StartupWait.isUnresolvedBootstrap(t)) {
        return t;
      }
    }
    return null;
  }
}
