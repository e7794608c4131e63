package io.cutflow.ingest.stats;

import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.ingest.status.JobStatusTopology;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * CPU cost of the throughput topology per 1,000 results ({@code ops/bench/throughput-bench.sh}):
 * the ingest's whole topology (status + throughput) against the status topology alone, on
 * TopologyTestDriver (RocksDB stores, in-memory topics), measured as this thread's CPU time. The
 * difference is what the windows add; the driver runs everything on the calling thread.
 */
public final class ThroughputBench {
  private ThroughputBench() {}

  public static void main(String[] args) throws Exception {
    // the test class path has logback at its DEBUG default: that would measure the logging
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    JobCodec codec = new JobCodec();
    List<String> results = new ArrayList<>(n);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < n; i++) {
      JobRequest req =
          new JobRequest(
              JobRequest.SCHEMA,
              "j" + i,
              new JobRequest.Source("raw", "j" + i + "/a.jpg", "etag", 123L),
              null,
              null,
              t0,
              Map.of());
      Instant at = t0.plusMillis(i * 50L);
      JobResult r =
          i % 10 == 0
              ? JobResult.failed(
                  req,
                  FailureCode.NOT_AN_IMAGE,
                  "no",
                  null,
                  "u2net",
                  "w" + (i % 4),
                  1,
                  JobResult.Timings.NONE,
                  at,
                  at)
              : JobResult.ok(
                  req,
                  new JobResult.StoredObject("cutouts", "j" + i + ".png", 9),
                  new JobResult.Image(1920, 1080),
                  i % 3 == 0 ? "u2net" : "isnet-general-use",
                  "w" + (i % 4),
                  1,
                  new JobResult.Timings(5, 20, 10, 800 + i % 400, 30, 40, 10, 950 + i % 500),
                  at,
                  at);
      results.add(codec.encode(r));
    }
    Topics topics = new Topics("jobs", "results", "dead", "tp", 6, (short) 1);
    // warm both once (JIT), then measure
    for (int round = 0; round < 2; round++) {
      double with = perThousand(JobStatusTopology.build(topics, codec, r -> {}), results, t0);
      double without = perThousand(statusOnly(topics, codec), results, t0);
      double own = ownWork(results, codec);
      if (round == 1) {
        System.out.printf(
            "results=%d  cpu_ms_per_1000 on TopologyTestDriver: status+throughput=%.1f"
                + " status_only=%.1f throughput=%.1f%n",
            n, with, without, with - without);
        System.out.printf(
            "cpu_ms_per_1000 of the throughput code alone (sample, repartition serde, 2 windows:"
                + " read, add, write, JSON): %.1f%n",
            own);
      }
    }
  }

  /**
   * What the topology's own code does per result, without the Streams runtime and RocksDB: the
   * sample and its repartition serde, and per window the aggregate's read, add, write and JSON.
   */
  private static double ownWork(List<String> results, JobCodec codec) throws Exception {
    List<JobResult> parsed = new ArrayList<>();
    for (String json : results) {
      parsed.add(codec.decodeResult(json)); // shared with the status topology: not counted
    }
    ThroughputSerde serde = new ThroughputSerde();
    var sampleSerde = ResultSample.serde();
    byte[] minute = serde.serializer().serialize("t", new Throughput());
    byte[] hour = minute;
    Instant t0 = Instant.EPOCH;
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    long start = cpu.getCurrentThreadCpuTime();
    for (JobResult r : parsed) {
      ResultSample s =
          sampleSerde
              .deserializer()
              .deserialize("t", sampleSerde.serializer().serialize("t", ResultSample.of(r)));
      Throughput m = serde.deserializer().deserialize("t", minute).add(s);
      minute = serde.serializer().serialize("t", m);
      StatsView.json(ThroughputTopology.Window.ONE_MINUTE, t0, t0, t0, m);
      Throughput h = serde.deserializer().deserialize("t", hour).add(s);
      hour = serde.serializer().serialize("t", h);
      StatsView.json(ThroughputTopology.Window.ONE_HOUR, t0, t0, t0, h);
    }
    return (cpu.getCurrentThreadCpuTime() - start) / 1e6 / (parsed.size() / 1000.0);
  }

  /** The status topology without the throughput branch: results parsed and reduced only. */
  private static Topology statusOnly(Topics topics, JobCodec codec) {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(
            topics.results(),
            org.apache.kafka.streams.kstream.Consumed.with(
                org.apache.kafka.common.serialization.Serdes.String(),
                org.apache.kafka.common.serialization.Serdes.String()))
        .mapValues(
            json -> {
              try {
                return codec.decodeResult(json).jobId();
              } catch (Exception e) {
                return "";
              }
            })
        .groupByKey(
            org.apache.kafka.streams.kstream.Grouped.with(
                org.apache.kafka.common.serialization.Serdes.String(),
                org.apache.kafka.common.serialization.Serdes.String()))
        .reduce(
            (a, b2) -> b2,
            org.apache.kafka.streams.kstream.Materialized
                .<String, String,
                    org.apache.kafka.streams.state.KeyValueStore<
                        org.apache.kafka.common.utils.Bytes, byte[]>>
                    as("status-only")
                .withKeySerde(org.apache.kafka.common.serialization.Serdes.String())
                .withValueSerde(org.apache.kafka.common.serialization.Serdes.String()));
    return b.build();
  }

  private static double perThousand(Topology topology, List<String> results, Instant t0)
      throws Exception {
    Path state = Files.createTempDirectory("throughput-bench-");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, p)) {
      TestInputTopic<String, String> in =
          driver.createInputTopic("results", new StringSerializer(), new StringSerializer());
      long start = cpu.getCurrentThreadCpuTime();
      for (int i = 0; i < results.size(); i++) {
        in.pipeInput("j" + i, results.get(i), t0.plusMillis(i * 50L));
      }
      long ns = cpu.getCurrentThreadCpuTime() - start;
      return ns / 1e6 / (results.size() / 1000.0);
    }
  }
}
