package io.cutflow.standalone.infra;

import io.cutflow.common.process.JavaProcess;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka (KRaft, broker and controller in one process) in a child JVM, on free
 * loopback ports, with its data and log file in a run directory.
 *
 * <p>Topics are not auto-created ({@code auto.create.topics.enable=false}): Cutflow creates its
 * topics explicitly ({@code Topics.ensureTopics}) so a misspelt topic name fails loudly.
 */
public final class EmbeddedKafka implements ServerRestarts.Server {
  private final Path dir;
  private final boolean deleteOnClose;
  private volatile JavaProcess process;
  private final String bootstrapServers;
  private final String clusterId;
  private final Duration startupTime;

  private EmbeddedKafka(
      Path dir,
      boolean deleteOnClose,
      JavaProcess process,
      String bootstrapServers,
      String clusterId,
      Duration startupTime) {
    this.dir = dir;
    this.deleteOnClose = deleteOnClose;
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.clusterId = clusterId;
    this.startupTime = startupTime;
  }

  /** Starts in a fresh temp directory, deleted on close. */
  public static EmbeddedKafka start() throws IOException {
    return start(Files.createTempDirectory("cutflow-kafka-"), true, Duration.ofSeconds(60), 0);
  }

  /**
   * Starts with its data under {@code dir} ({@code dir/data}) and the broker's output in {@code
   * dir/kafka.log}; returns once an admin client can describe the cluster.
   *
   * @param deleteOnClose delete {@code dir} on {@link #close()}
   * @param groupMembers the consumers that will join a group together (the workers), 0 if not
   *     known: see {@link #initialRebalanceDelayMs}
   */
  public static EmbeddedKafka start(
      Path dir, boolean deleteOnClose, Duration timeout, int groupMembers) throws IOException {
    Files.createDirectories(dir);
    long t0 = System.nanoTime();
    return ChildServer.startTwice(
        "Kafka",
        dir,
        deleteOnClose,
        () -> {
          int brokerPort = InfraSupport.freePort();
          int controllerPort = InfraSupport.freePort();
          while (controllerPort == brokerPort) {
            controllerPort = InfraSupport.freePort();
          }
          String clusterId = Uuid.randomUuid().toString();
          Path data = dir.resolve("data");
          InfraSupport.deleteRecursively(data);
          Path props = dir.resolve("server.properties");
          writeProperties(props, serverProperties(brokerPort, controllerPort, data, groupMembers));
          JavaProcess p = launch(dir, clusterId);
          String bootstrap = "127.0.0.1:" + brokerPort;
          awaitReady(p, brokerPort, bootstrap, timeout);
          Duration took = ChildServer.ready("Kafka", bootstrap, t0, p, dir);
          return new EmbeddedKafka(dir, deleteOnClose, p, bootstrap, clusterId, took);
        });
  }

  /** The broker on {@code dir/server.properties}, formatting its storage where not yet done. */
  private static JavaProcess launch(Path dir, String clusterId) throws IOException {
    return ChildServer.launch(
        EmbeddedKafkaMain.class.getName(),
        "kafka",
        dir,
        "kafka.log",
        dir.resolve("server.properties").toString(),
        clusterId);
  }

  /**
   * How long the broker lets a new consumer group gather its members before the first assignment.
   * Kafka's own default, 3 s, unless exactly one member will join: with 0 and several workers, the
   * first to join an empty group takes every partition and the second one's join waits for a
   * rebalance, which waits for the first to drain its in-flight images (30 s of an idle worker in
   * {@code cutflow run} on 13 photos, and images done twice). A lone worker has no one to wait for,
   * and its first image waited those 3 s.
   */
  static long initialRebalanceDelayMs(int groupMembers) {
    return groupMembers == 1 ? 0 : 3000;
  }

  static Map<String, String> serverProperties(
      int brokerPort, int controllerPort, Path data, int groupMembers) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", data.toString());
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "3");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "3");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", Long.toString(initialRebalanceDelayMs(groupMembers)));
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("background.threads", "4");
    p.put("log.cleaner.threads", "1");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
    // Kafka writes a no-op record to the metadata log every 500 ms so that a cluster's brokers
    // can tell a live controller from a stalled one; a single node has no one to tell, and the
    // appends were about a third of an idle broker's CPU (docs/benchmarks.md, "The broker's idle
    // CPU"). 0 = none.
    p.put("metadata.max.idle.interval.ms", "0");
    return p;
  }

  private static void writeProperties(Path file, Map<String, String> values) throws IOException {
    Properties props = new Properties();
    props.putAll(values);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      props.store(w, "cutflow embedded Kafka (KRaft, single node)");
    }
  }

  private static void awaitReady(JavaProcess p, int port, String bootstrap, Duration timeout)
      throws IOException {
    try (ClusterProbe probe = new ClusterProbe(bootstrap)) {
      ChildServer.awaitReady("Kafka", p, port, timeout, probe);
    }
  }

  /**
   * Asks the broker to describe its cluster. Its admin client is created by the first check, which
   * {@link ChildServer} runs once the broker's port accepts connections: created before, its
   * refused connections logged a warning every 200 ms while the broker started.
   */
  private static final class ClusterProbe implements ChildServer.Probe, AutoCloseable {
    private final Properties cfg = new Properties();
    private Admin admin;

    ClusterProbe(String bootstrap) {
      cfg.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      cfg.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
      cfg.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
      cfg.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
      cfg.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
    }

    @Override
    public void check() throws Exception {
      if (admin == null) {
        admin = Admin.create(cfg);
      }
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(1000))
          .nodes()
          .get(1500, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      if (admin != null) {
        admin.close();
      }
    }
  }

  @Override
  public String name() {
    return "Kafka broker";
  }

  /**
   * Starts the broker again after its process ended: the same ports, cluster id and data (the
   * storage is formatted only where it is not yet); returns once an admin client sees it.
   */
  @Override
  public void startAgain(Duration timeout) throws IOException {
    if (process.handle().isAlive()) {
      throw new IllegalStateException("Kafka is still running: pid " + process.handle().pid());
    }
    int port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    JavaProcess p = launch(dir, clusterId);
    process = p;
    awaitReady(p, port, bootstrapServers, timeout);
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String clusterId() {
    return clusterId;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public JavaProcess process() {
    return process;
  }

  /** From launch to the first successful describeCluster. */
  public Duration startupTime() {
    return startupTime;
  }

  /**
   * Stops the broker (SIGTERM, then kill after 15 s) and deletes the directory unless asked to keep
   * it.
   */
  @Override
  public void close() {
    process.destroy(Duration.ofSeconds(15));
    if (deleteOnClose) {
      InfraSupport.deleteRecursively(dir);
    }
  }
}
