package io.cutflow.worker.supervisor;

import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.service.MallocTunables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts one worker process for a slot: its environment (the supervisor's settings, the worker
 * properties, the slot's identity and quota), its command line and its log file.
 */
final class WorkerLauncher {
  private final CutflowConfig config;
  private final CutflowConfig workerConfig;
  private final SupervisorSettings settings;
  private final Path logDir;
  private final WorkerPorts ports;
  private final Optional<WorkerClassArchive> classArchive;

  /**
   * @param workerConfig what the workers run with (for settings the supervisor applies itself)
   */
  WorkerLauncher(
      CutflowConfig config, CutflowConfig workerConfig, SupervisorSettings settings, Path logDir) {
    this.config = config;
    this.workerConfig = workerConfig;
    this.settings = settings;
    this.logDir = logDir;
    this.ports = new WorkerPorts(config.getInt(WorkerConfig.WORKER_PORT_BASE), settings.slots());
    this.classArchive =
        workerConfig.getBoolean(WorkerConfig.WORKER_CLASS_ARCHIVE)
            ? WorkerClassArchive.in(
                WorkerClassArchive.defaultDir(), System.getProperty("java.class.path"))
            : Optional.empty();
  }

  WorkerPorts ports() {
    return ports;
  }

  /**
   * The environment of worker {@code serial} of the slot with {@code instanceId}, whose ops server
   * listens on {@code httpPort} (0: ephemeral).
   */
  Map<String, String> environment(String instanceId, int serial, int httpPort) {
    Map<String, String> props = new LinkedHashMap<>(config.resolvedValues());
    props.putAll(settings.workerProperties());
    props.put(WorkerConfig.GROUP_INSTANCE_ID.name(), instanceId);
    props.put(WorkerConfig.ID.name(), instanceId + "-" + serial);
    props.put(WorkerConfig.RECYCLE_AFTER.name(), Integer.toString(settings.recycleAfter()));
    props.put(WorkerConfig.MAX_RSS_MB.name(), Long.toString(settings.maxRssMb()));
    // up to three processes per slot: never the configured port, a pool port or an ephemeral one
    props.put(WorkerConfig.HTTP_PORT.name(), Integer.toString(httpPort));
    // Settings travel in the environment, not on the command line, where `ps` would show secrets.
    Map<String, String> env = new LinkedHashMap<>();
    props.forEach((k, v) -> env.put(ConfigKey.envName(k), v));
    env.put(
        MallocTunables.ENV,
        MallocTunables.forWorker(
            workerConfig.getBoolean(WorkerConfig.MALLOC_HUGE_PAGES),
            System.getenv(MallocTunables.ENV)));
    return env;
  }

  /** Starts worker {@code serial} of slot {@code slot}; it speaks {@link ControlMessage}s. */
  JavaProcess launch(int slot, String instanceId, int serial) throws IOException {
    int port;
    try {
      port = ports.acquire();
    } catch (IllegalStateException e) {
      // as a failed start: the slot retries after its backoff, by when a lingering worker may be
      // gone
      throw new IOException(e.getMessage(), e);
    }
    JavaProcess process;
    try {
      process = start(slot, instanceId, serial, port);
    } catch (IOException | RuntimeException e) {
      ports.release(port);
      throw e;
    }
    // held until the process is gone, whoever ends it (drain, crash, kill)
    process.handle().onExit().thenRun(() -> ports.release(port));
    return process;
  }

  private JavaProcess start(int slot, String instanceId, int serial, int port) throws IOException {
    List<String> jvmArgs = new ArrayList<>();
    Path[] dumpTo = {null};
    classArchive.ifPresent(a -> jvmArgs.addAll(a.jvmArgs(dumpTo)));
    jvmArgs.addAll(settings.jvmArgs()); // an operator's own -XX:SharedArchiveFile comes last, wins
    JavaProcess process =
        JavaProcess.builder(settings.mainClass())
            .name("worker-" + slot + "-" + serial)
            .jvmArgs(jvmArgs.toArray(String[]::new))
            .env(environment(instanceId, serial, port))
            .args("--control-stdin")
            // the worker reads stdin itself; EOF there already means "supervisor gone"
            .watchParent(false)
            // a session of its own: the terminal's Ctrl-C reaches the supervisor only, which stops
            // the
            // worker in order; and an autogroup of its own, whose priority the supervisor may
            // change
            .ownSession(true)
            .pipeStdout(true)
            .logFile(logDir.resolve("slot-" + slot + "-" + serial + ".log"))
            .start();
    if (dumpTo[0] != null) {
      Path dumped = dumpTo[0];
      classArchive.ifPresent(a -> process.handle().onExit().thenRun(() -> a.collect(dumped)));
    }
    return process;
  }
}
