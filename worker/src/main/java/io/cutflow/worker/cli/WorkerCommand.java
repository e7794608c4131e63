package io.cutflow.worker.cli;

import io.cutflow.common.cli.ConnectionOptions;
import io.cutflow.common.cli.OutputFolder;
import io.cutflow.common.config.ConfigKey;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.OpsConfig;
import io.cutflow.common.ops.OpsServer;
import io.cutflow.worker.WorkerConfig;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cutflow worker}: runs K worker processes under a {@link RecyclingSupervisor} until SIGTERM
 * or Ctrl-C, then stops them gracefully (each drains and commits) and prints a summary.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run background-removal workers against Kafka and S3, recycled every N images.",
      "Each slot is a worker process (its own JVM and model) with a stable group.instance.id; a warm standby "
          + "takes over its partitions when it recycles, without a rebalance."
    })
public final class WorkerCommand implements Callable<Integer> {
  @Option(
      names = "--slots",
      defaultValue = "1",
      description = "Worker processes running at once (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(
      names = "--recycle-after",
      description =
          "Replace a worker after this many images; 0 = never "
              + "(default: cutflow.worker.recycle-after, 500).")
  Integer recycleAfter;

  @Option(
      names = "--max-rss-mb",
      description =
          "Replace a worker whose resident memory passes this; 0 = no ceiling "
              + "(default: cutflow.worker.max-rss-mb, 0).")
  Long maxRssMb;

  @Option(
      names = "--warm-standby",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Keep a warmed replacement per slot, so a recycle costs no model load (default on; "
              + "--no-warm-standby halves the memory).")
  boolean warmStandby;

  @Mixin ConnectionOptions connection;

  @Option(
      names = {"-m", "--model"},
      description = "Model name (default: the manifest's default).")
  String model;

  @Option(
      names = "--threads",
      description = "ONNX Runtime intra-op threads per worker (default: all cores).")
  Integer threads;

  @Option(
      names = "--worker-heap",
      defaultValue = "1g",
      description =
          "Java heap (-Xmx) of each worker process "
              + "(default ${DEFAULT-VALUE}); the model lives off-heap.")
  String workerHeap;

  @Option(
      names = "--instance-prefix",
      description =
          "Prefix of the slots' group.instance.ids (default: host name); "
              + "unique per supervisor in a group, and stable across restarts.")
  String instancePrefix;

  @Option(
      names = "--log-dir",
      description = "Directory for the worker processes' logs (default: a temp dir).")
  Path logDir;

  /** Configuration from flags and -D on top of system properties and environment. */
  CutflowConfig config() {
    Map<String, String> o = connection.overrides();
    put(o, WorkerConfig.MODEL, model);
    put(o, WorkerConfig.INTRA_OP_THREADS, threads == null ? null : threads.toString());
    put(o, WorkerConfig.RECYCLE_AFTER, recycleAfter == null ? null : recycleAfter.toString());
    put(o, WorkerConfig.MAX_RSS_MB, maxRssMb == null ? null : maxRssMb.toString());
    return CutflowConfig.load(o);
  }

  SupervisorSettings settings(CutflowConfig config) {
    List<String> jvm = SupervisorSettings.jvmArgs(workerHeap);
    SupervisorSettings s =
        SupervisorSettings.defaults()
            .withSlots(slots)
            .withRecycleAfter(config.getInt(WorkerConfig.RECYCLE_AFTER))
            .withMaxRssMb(config.getLong(WorkerConfig.MAX_RSS_MB))
            .withWarmStandby(warmStandby)
            .withJvmArgs(jvm)
            .withLogDir(logDir);
    return instancePrefix == null ? s : s.withInstancePrefix(instancePrefix);
  }

  private static void put(Map<String, String> o, ConfigKey key, String value) {
    if (value != null) {
      o.put(key.name(), value);
    }
  }

  @Override
  public Integer call() throws Exception {
    CutflowConfig config = config();
    if (logDir != null) {
      OutputFolder.create("--log-dir", logDir);
    }
    SupervisorSettings settings = settings(config);
    CountDownLatch stopped = new CountDownLatch(1);
    RecyclingSupervisor supervisor = RecyclingSupervisor.start(config, settings);
    Thread hook =
        new Thread(
            () -> {
              System.err.println(
                  "cutflow worker: stopping "
                      + settings.slots()
                      + " slot(s); workers drain and commit…");
              supervisor.close();
              System.out.println("workers: " + supervisor.stats().summary());
              System.out.flush();
              stopped.countDown();
            },
            "worker-command-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (OpsServer ops =
        OpsServer.start(
            config.getString(OpsConfig.HOST),
            config.getInt(OpsConfig.PORT),
            supervisor.registry(),
            supervisor::allActive,
            () -> "workers warming up")) {
      System.err.printf(
          "cutflow worker: %d slot(s), recycle after %d, max RSS %s, warm standby %s; "
              + "worker logs in %s; metrics on %s/metrics%n",
          settings.slots(),
          settings.recycleAfter(),
          settings.maxRssMb() == 0 ? "none" : settings.maxRssMb() + " MB",
          settings.warmStandby() ? "on" : "off",
          supervisor.logDir(),
          ops.url());
      stopped.await();
    } catch (RuntimeException e) {
      // e.g. the ops port is taken: run without it
      System.err.println(
          "cutflow worker: ops endpoint unavailable (" + e.getMessage() + "); running without it");
      stopped.await();
    }
    return 0;
  }
}
