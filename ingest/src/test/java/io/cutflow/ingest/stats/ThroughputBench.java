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
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
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
      if (round == 1) {
        System.out.printf(
            "results=%d  cpu_ms_per_1000: status+throughput=%.1f status_only=%.1f"
                + " throughput=%.1f%n",
            n, with, without, with - without);
      }
    }
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
        .groupByKey()
        .reduce((a, b2) -> b2, org.apache.kafka.streams.kstream.Materialized.as("status-only"));
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
