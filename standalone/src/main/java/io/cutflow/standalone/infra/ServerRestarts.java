package io.cutflow.standalone.infra;

import io.cutflow.common.process.JavaProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an embedded stack's servers running for as long as the stack is meant to ({@code cutflow
 * up}): a broker or S3 server that exits on its own (killed, out of memory) is started again on its
 * ports with its data, so that clients reconnect and workers' held jobs go on, instead of every
 * process waiting for a server that nothing would ever start. The log and the terminal say so.
 * Closed before the servers are stopped, so that an orderly stop is not taken for a crash.
 */
public final class ServerRestarts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerRestarts.class);

  /** How long one start may take before it is tried again. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** The wait between failed starts: 5 s, 10 s, … up to a minute. */
  private static final Duration FIRST_RETRY = Duration.ofSeconds(5);

  private static final Duration MAX_RETRY = Duration.ofMinutes(1);

  /** A child server that can be started again where it ran. */
  public interface Server extends AutoCloseable {
    /** For people: "Kafka broker", "S3 server". */
    String name();

    /** The server's process now (a new one after each start). */
    JavaProcess process();

    /** Starts the server again on its ports with its data; its process must have ended. */
    void startAgain(Duration timeout) throws IOException;

    @Override
    void close();
  }

  private final PrintStream terminal;
  private final ExecutorService restarts =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "server-restarts");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean closed;

  /** Watches {@code servers} from now on; {@code terminal} gets a line for each restart. */
  ServerRestarts(PrintStream terminal, Server... servers) {
    this.terminal = terminal;
    for (Server s : servers) {
      watch(s);
    }
  }

  private void watch(Server server) {
    JavaProcess p = server.process();
    p.handle()
        .onExit()
        .thenRun(
            () -> {
              try {
                restarts.execute(() -> exited(server, p));
              } catch (RejectedExecutionException e) {
                // closed: an orderly stop
              }
            });
  }

  private void exited(Server server, JavaProcess p) {
    if (closed) {
      return;
    }
    String code = p.exitCode().isPresent() ? String.valueOf(p.exitCode().getAsInt()) : "unknown";
    // an error: in `up` this line reaches the terminal too, so nothing else prints it
    LOG.atError()
        .setMessage("embedded server exited; starting it again with its data")
        .addKeyValue("server", server.name())
        .addKeyValue("pid", p.pid())
        .addKeyValue("exit_code", code)
        .addKeyValue("log", p.logFile())
        .log();
    Duration wait = FIRST_RETRY;
    for (int attempt = 1; !closed; attempt++) {
      long t0 = System.nanoTime();
      try {
        server.startAgain(START_TIMEOUT);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.atInfo()
            .setMessage("embedded server started again")
            .addKeyValue("server", server.name())
            .addKeyValue("pid", server.process().pid())
            .addKeyValue("attempt", attempt)
            .addKeyValue("start_ms", ms)
            .log();
        terminal.printf(
            "cutflow: the %s runs again (pid %d after pid %d exited with code %s; started in %d"
                + " ms)%n",
            server.name(), server.process().pid(), p.pid(), code, ms);
        if (closed) {
          server.close(); // the stack stopped meanwhile: leave nothing behind
        } else {
          watch(server);
        }
        return;
      } catch (IOException | RuntimeException e) {
        LOG.atError()
            .setMessage("embedded server did not start again; trying again")
            .addKeyValue("server", server.name())
            .addKeyValue("attempt", attempt)
            .addKeyValue("retry_in_ms", wait.toMillis())
            .addKeyValue("error", e.toString())
            .log();
        try {
          Thread.sleep(wait.toMillis());
        } catch (InterruptedException ie) {
          return; // closed
        }
        wait = wait.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait.multipliedBy(2);
      }
    }
  }

  /** Stops watching: exits from now on are an orderly stop. */
  @Override
  public void close() {
    closed = true;
    restarts.shutdownNow();
  }
}
