package io.cutflow.standalone;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.worker.service.WorkerProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K worker processes on this machine, each a separate JVM with its own warmed model session,
 * joined to the same consumer group. Ready when every worker's {@code /readyz} says so — the
 * same probe an orchestrator would use.
 */
public final class LocalWorkers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalWorkers.class);

  private final List<JavaProcess> processes;
  private final List<Integer> opsPorts;

  private LocalWorkers(List<JavaProcess> processes, List<Integer> opsPorts) {
    this.processes = processes;
    this.opsPorts = opsPorts;
  }

  /**
   * Starts {@code count} workers with {@code config}'s overrides (plus per-worker id and ops port)
   * and waits until all are ready.
   */
  public static LocalWorkers start(int count, Map<String, String> overrides, Path logDir, Duration timeout)
      throws IOException, InterruptedException {
    int cores = Runtime.getRuntime().availableProcessors();
    List<JavaProcess> processes = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        int port = freePort();
        Map<String, String> props = new LinkedHashMap<>(overrides);
        props.putIfAbsent(CutflowConfig.WORKER_INTRA_OP_THREADS.name(), Integer.toString(Math.max(1, cores / count)));
        props.put(CutflowConfig.WORKER_ID.name(), "worker-" + i);
        props.put(CutflowConfig.WORKER_HTTP_PORT.name(), Integer.toString(port));
        props.put(CutflowConfig.OPS_HOST.name(), "127.0.0.1");
        processes.add(JavaProcess.builder(WorkerProcess.class).name("worker-" + i)
            .jvmArgs("-Xmx1536m", "-XX:+UseG1GC")
            .systemProperties(props).logFile(logDir.resolve("worker-" + i + ".log")).start());
        ports.add(port);
      }
      LocalWorkers workers = new LocalWorkers(processes, ports);
      workers.awaitReady(timeout);
      return workers;
    } catch (IOException | InterruptedException | RuntimeException e) {
      processes.forEach(JavaProcess::destroy);
      throw e;
    }
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < processes.size(); i++) {
      JavaProcess p = processes.get(i);
      URI ready = URI.create("http://127.0.0.1:" + opsPorts.get(i) + "/readyz");
      while (true) {
        if (!p.isAlive()) {
          throw new IOException(p.name() + " exited during start-up (code " + p.exitCode() + "); its log "
              + p.logFile() + " ends with:\n" + p.logTail(20));
        }
        try {
          HttpResponse<Void> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 200) {
            break;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(p.name() + " not ready after " + timeout.toSeconds() + " s; log: " + p.logFile());
        }
        Thread.sleep(200);
      }
    }
    log.atInfo().setMessage("workers ready").addKeyValue("count", processes.size())
        .addKeyValue("ops_ports", opsPorts).log();
  }

  public List<JavaProcess> processes() {
    return processes;
  }

  public List<Integer> opsPorts() {
    return opsPorts;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** SIGTERM to each (they drain and commit), then waits for them. */
  @Override
  public void close() {
    processes.forEach(p -> p.handle().destroy()); // all drain at once
    for (JavaProcess p : processes) {
      p.destroy(Duration.ofSeconds(30));
    }
  }
}
