package io.cutflow.common.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide side of {@link JavaProcess}: the children alive, the owners' orderly stops, and the
 * one shutdown hook (installed by {@link JavaProcess}) that runs those stops and then destroys what
 * is left. From the start of shutdown on, no child starts.
 */
final class ChildProcesses {
  private static final Logger LOG = LoggerFactory.getLogger(JavaProcess.class);

  /** Children started by this JVM and not yet seen to exit. */
  static final Set<JavaProcess> LIVE = ConcurrentHashMap.newKeySet();

  /** util-linux setsid, which starts a child in a session of its own (absent: no own sessions). */
  static final Optional<Path> SETSID =
      Stream.of("/usr/bin/setsid", "/bin/setsid")
          .map(Path::of)
          .filter(Files::isExecutable)
          .findFirst();

  private static final List<Runnable> ORDERLY_STOPS = new CopyOnWriteArrayList<>();
  private static volatile boolean shuttingDown;

  private ChildProcesses() {}

  /**
   * The JVM is shutting down: the owners stop their children in order, then whatever is left is
   * destroyed. One hook for both, since JVM hooks run concurrently: a reaper of its own would kill
   * the broker while an owner's workers still drain into it.
   */
  static void reap() {
    shuttingDown = true;
    for (Runnable stop : List.copyOf(ORDERLY_STOPS)) {
      try {
        stop.run();
      } catch (RuntimeException | Error e) {
        LOG.atWarn().setMessage("orderly stop failed").setCause(e).log();
      }
    }
    for (JavaProcess p : List.copyOf(LIVE)) {
      p.destroy(Duration.ofSeconds(5));
    }
  }

  static AutoCloseable onShutdown(Runnable stop) {
    Objects.requireNonNull(stop, "stop");
    ORDERLY_STOPS.add(stop);
    return () -> ORDERLY_STOPS.remove(stop);
  }

  static boolean shuttingDown() {
    return shuttingDown;
  }

  /** Relative entries resolved against our working directory, since the child may run elsewhere. */
  static String absoluteClasspath(String classpath) {
    List<String> out = new ArrayList<>();
    for (String entry : classpath.split(java.io.File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.endsWith("*")) {
        out.add(entry);
      } else {
        out.add(Path.of(entry).toAbsolutePath().normalize().toString());
      }
    }
    return String.join(java.io.File.pathSeparator, out);
  }
}
